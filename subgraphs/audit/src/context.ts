/**
 * What audit resolvers get per request: the kit's base context (caller, request id,
 * logger), the audit log store and database for reads and verification, the live stream
 * for subscriptions, and a per-request DataLoader so N entity references cost one query.
 */
import type { BaseContext, Database } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import { isUuid, normaliseUuid } from './domain/ids.js';
import type { AuditStream } from './domain/stream.js';
import type { ChainVerification } from './domain/verify.js';
import type { AuditEventModel } from './mappers.js';
import type { AuditLogStore } from './stores/audit-log-store.js';

export interface Context extends BaseContext {
  /** The application role's connection: reads, and the chain verification's snapshot. */
  db: Database;
  auditLog: AuditLogStore;
  /** Recorded events as they are recorded, for subscriptions. */
  stream: AuditStream;
  /** Audit entries by id, batched and cached for this request. */
  auditEventById: DataLoader<string, AuditEventModel | null>;
  /** Recomputes the hash chain, counted in `audit_chain_verifications_total` (see chain-monitor.ts). */
  verifyChain: () => Promise<ChainVerification>;
}

/** What lives as long as the server; the context adds per-request state to it. */
export interface AuditServices {
  db: Database;
  auditLog: AuditLogStore;
  stream: AuditStream;
  verifyChain: () => Promise<ChainVerification>;
}

function createLoaders(auditLog: AuditLogStore) {
  return {
    // Ids that are not UUIDs name nothing and never reach SQL; letter case does not matter.
    auditEventById: new DataLoader<string, AuditEventModel | null>(
      async (keys) => {
        const ids = [...new Set(keys.filter(isUuid).map(normaliseUuid))];
        const found = new Map((await auditLog.findManyByIds(ids)).map((event) => [event.id, event]));
        return keys.map((key) => (isUuid(key) ? (found.get(normaliseUuid(key)) ?? null) : null));
      },
      { cacheKeyFn: (key) => (isUuid(key) ? normaliseUuid(key) : key), cacheMap: loaderCache('auditEventById') },
    ),
  };
}

export function createContextFactory(services: AuditServices): (base: BaseContext) => Context {
  return (base) => ({
    ...base,
    db: services.db,
    auditLog: services.auditLog,
    stream: services.stream,
    verifyChain: services.verifyChain,
    ...createLoaders(services.auditLog),
  });
}
