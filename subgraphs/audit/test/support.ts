/**
 * Test harness: the real audit server on port 0 against a fresh database (migrated as the
 * test server's superuser, which owns it), working as its own application role (named after
 * the database, since roles belong to the whole Postgres server and test files run side by
 * side), a gateway key to sign proofs with, service credentials for the internal API, and
 * connections as the owner and as the application role for looking at rows directly.
 */
import { randomUUID } from 'node:crypto';
import {
  createDatabase,
  createGatewayProofSigner,
  createLogger,
  GATEWAY_PROOF_HEADER,
  generateGatewayKeys,
  permissionCatalog,
  randomToken,
  type Caller,
  type Database,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import { captureLogs, createTestDatabase } from '@platform/devkit/testing';
import { loadAuditConfig, type AuditConfig } from '../src/config.js';
import { appDatabaseUrl } from '../src/domain/app-role.js';
import type { AuditEventInput } from '../src/domain/record.js';
import { createAuditServer, type AuditServer } from '../src/server.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; fields?: Record<string, string> };
  }[];
}

export interface AuditHarness {
  url: string;
  config: AuditConfig;
  server: AuditServer;
  /** The database owner (the test server's superuser). */
  owner: Database;
  /** The application role the service works as. */
  app: Database;
  role: string;
  credentials: { identity: string; auth: string };
  logs(): string[];
  /** Sends GraphQL with a gateway proof for `caller` (anonymous by default). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<{ status: number; body: GraphQLResponse<T> }>;
  stop(): Promise<void>;
}

export const anonymous: Caller = { userId: null, sessionId: null, permissions: [] };

/** A signed-in caller holding `permissions` in its gateway proof. */
export function signedIn(userId: string = randomUUID(), permissions: readonly string[] = []): Caller {
  return { userId, sessionId: randomUUID(), permissions };
}

/** A signed-in caller whose proof carries every permission of the catalog. */
export function administrator(userId: string = randomUUID()): Caller {
  return signedIn(
    userId,
    permissionCatalog.map((entry) => entry.code),
  );
}

export async function startAudit(
  options: { env?: Record<string, string>; eventTransport?: EventTransport } = {},
): Promise<AuditHarness> {
  const databaseUrl = await createTestDatabase('audit');
  const role = `audit_app_${new URL(databaseUrl).pathname.slice(1)}`;
  const password = randomToken('pw_');
  const keys = await generateGatewayKeys();
  const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
  const credentials = { identity: randomToken('svc_'), auth: randomToken('svc_') };
  const captured = captureLogs();
  const config = loadAuditConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    AUDIT_APP_ROLE: role,
    AUDIT_APP_PASSWORD: password,
    DATABASE_POOL_MAX: '8',
    GATEWAY_PUBLIC_JWKS: JSON.stringify(keys.publicJwks),
    INTERNAL_API_CREDENTIALS: `identity:${credentials.identity},auth:${credentials.auth}`,
    ...options.env,
  });
  const logger = createLogger({ service: 'audit', level: config.LOG_LEVEL, destination: captured.stream });
  const server = await createAuditServer(config, {
    logger,
    ...(options.eventTransport ? { eventTransport: options.eventTransport } : {}),
  });
  const running = await server.start(0);
  const owner = createDatabase({ url: databaseUrl, poolMax: 2, applicationName: 'audit-test-owner' });
  const app = createDatabase({
    url: appDatabaseUrl(databaseUrl, role, password),
    poolMax: 2,
    applicationName: 'audit-test-app',
  });

  return {
    url: running.url,
    config,
    server,
    owner,
    app,
    role,
    credentials,
    logs: captured.lines,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}, caller: Caller = anonymous) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_PROOF_HEADER]: await signer.sign('audit', caller) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
    },
    async stop() {
      await server.stop();
      await app.destroy();
      // Roles outlive databases: leave the test server as we found it.
      await owner.raw(`drop owned by "${role}"`);
      await owner.raw(`drop role if exists "${role}"`);
      await owner.destroy();
    },
  };
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

/** The code of the first error, for terse assertions. */
export function errorCode(body: GraphQLResponse<unknown>): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}

/** The subgraph's share of the contract's `AuditLogs` (the gateway asks identity for `actor.email`). */
export const AUDIT_LOGS = /* GraphQL */ `
  query AuditLogs($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLogs(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          action
          outcome
          occurredAt
          actor {
            id
          }
          target {
            type
            id
          }
          requestId
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

export const VERIFY_AUDIT_CHAIN = /* GraphQL */ `
  query VerifyAuditChain {
    verifyAuditChain {
      valid
      checked
      firstBrokenId
    }
  }
`;

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
