/**
 * Audit's share of the test setup, on the harness: the subgraph working as an application
 * role of its own (named after the test database, since roles belong to the whole Postgres
 * server and test files run side by side), a connection as that role, the role dropped on
 * stop; CloudEvents to record; the audit subgraph's part of the contract's operations.
 */
import { randomUUID } from 'node:crypto';
import { createDatabase, permissionCatalog, randomToken, type Caller, type Database } from '@platform/service-kit';
import {
  contractOperation,
  createTestDatabase,
  signedIn,
  startSubgraph,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { parse, print, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { appDatabaseUrl } from '../src/domain/app-role.js';
import type { AuditEventInput } from '../src/domain/record.js';
import { auditSubgraph, buildAuditSchema } from '../src/subgraph.js';

export interface AuditHarness extends SubgraphHarness<typeof auditSubgraph> {
  /** A connection as the application role the service works as (`db` is the owner). */
  app: Database;
  role: string;
}

/** The audit subgraph, working as a role of its own; the harness's `db` is the database owner. */
export async function startAudit(options: StartSubgraphOptions<typeof auditSubgraph> = {}): Promise<AuditHarness> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase('audit'));
  const role = `audit_app_${new URL(databaseUrl).pathname.slice(1)}`;
  const password = randomToken('pw_');
  const harness = await startSubgraph(auditSubgraph, {
    ...options,
    databaseUrl,
    env: { AUDIT_APP_ROLE: role, AUDIT_APP_PASSWORD: password, ...options.env },
  });
  const app = createDatabase({
    url: appDatabaseUrl(databaseUrl, role, password),
    poolMax: 2,
    applicationName: 'audit-test-app',
  });
  return {
    ...harness,
    app,
    role,
    async stop() {
      await harness.stop();
      await app.destroy();
      // Roles outlive databases: leave the test server as we found it.
      await dropRole(databaseUrl, role);
    },
  };
}

/** Drops `role` and what it owns in the database at `databaseUrl`, as the owner. */
export async function dropRole(databaseUrl: string, role: string): Promise<void> {
  const owner = createDatabase({ url: databaseUrl, poolMax: 1, applicationName: 'audit-test-owner' });
  try {
    await owner.raw(`drop owned by "${role}"`);
    await owner.raw(`drop role if exists "${role}"`);
  } finally {
    await owner.destroy();
  }
}

/** A signed-in caller whose proof carries every permission of the catalog. */
export function administrator(userId: string = randomUUID()): Caller {
  return signedIn(
    userId,
    permissionCatalog.map((entry) => entry.code),
  );
}

let counter = 0;

/** A CloudEvent as the platform's services publish them, with a fresh id; `overrides` win. */
export function cloudEvent(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  counter += 1;
  return {
    eventId: randomUUID(),
    type: 'platform.identity.user.registered.v1',
    source: '/platform/identity',
    subject: randomUUID(),
    time: new Date(Date.UTC(2026, 0, 1, 12, 0, counter % 60, counter % 1000)).toISOString(),
    data: { actorId: randomUUID(), requestId: `req-${counter}` },
    ...overrides,
  };
}

/**
 * The audit subgraph's share of a contract operation: the operation without the fields
 * other subgraphs resolve (identity answers `actor.email`), as the gateway's plan asks audit.
 */
export function auditShare(operation: string): string {
  const typeInfo = new TypeInfo(buildAuditSchema());
  const document = visit(
    parse(contractOperation(operation)),
    visitWithTypeInfo(typeInfo, { Field: () => (typeInfo.getFieldDef() ? undefined : null) }),
  );
  return print(document);
}

export const AUDIT_LOGS = auditShare('AuditLogs');
export const VERIFY_AUDIT_CHAIN = contractOperation('VerifyAuditChain');

export interface AuditNode {
  id: string;
  action: string;
  outcome: string;
  occurredAt: string;
  actor: { id: string } | null;
  target: { type: string; id: string } | null;
  requestId: string | null;
}

export interface AuditLogsData {
  auditLogs: {
    edges: { cursor: string; node: AuditNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

export interface VerifyData {
  verifyAuditChain: { valid: boolean; checked: number; firstBrokenId: string | null };
}
