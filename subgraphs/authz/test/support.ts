/**
 * Test harness: the real authz server on port 0 against a fresh database, a gateway key to
 * sign proofs with (carrying the caller's permissions), service credentials for the
 * internal API, a recording invalidation notifier, and the server's log lines.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { loadAuthzConfig } from '../src/config.js';
import type { InvalidationNotifier } from '../src/invalidation.js';
import { createAuthzServer } from '../src/server.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; fields?: Record<string, string> };
  }[];
}

/** An invalidation notifier that remembers what it was told, and can be made to fail. */
export interface RecordingNotifier extends InvalidationNotifier {
  announced: number[];
  notified: { version: number; requestId?: string }[];
  /** When set, `notify` rejects with it (after recording the call). */
  failure: Error | null;
}

export function recordingNotifier(): RecordingNotifier {
  const notifier: RecordingNotifier = {
    channel: 'recording',
    announced: [],
    notified: [],
    failure: null,
    async announce(version) {
      notifier.announced.push(version);
    },
    async notify(version, options = {}) {
      notifier.notified.push({ version, ...(options.requestId ? { requestId: options.requestId } : {}) });
      if (notifier.failure) throw notifier.failure;
    },
  };
  return notifier;
}

export type InternalCaller = 'gateway' | 'identity';

export interface AuthzHarness {
  url: string;
  databaseUrl: string;
  /** The test's own connection, for looking at and adjusting rows. */
  db: Database;
  credentials: Record<InternalCaller, string>;
  notifier: RecordingNotifier;
  logs(): string[];
  /** Sends GraphQL with a gateway proof for `caller` (anonymous by default). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<{ status: number; body: GraphQLResponse<T> }>;
  /** Calls the internal API as `as` (the gateway by default), or with the `authorization` given. */
  internal(
    method: 'GET' | 'POST',
    path: string,
    options?: { body?: unknown; as?: InternalCaller; authorization?: string | null },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The id of the role named `name`. */
  roleId(name: string): Promise<string>;
  /** The current permissions version in the database. */
  version(): Promise<number>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Reuse a database (to restart); a fresh one by default. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** false: let the server pick its notifier from the configuration (Redis, gateway). */
  notifier?: RecordingNotifier | false;
  /** The event bus the server's outbox relay publishes to (a private in-process one by default). */
  eventTransport?: EventTransport;
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

export async function startAuthz(options: HarnessOptions = {}): Promise<AuthzHarness> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase('authz'));
  const keys = await generateGatewayKeys();
  const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
  const credentials = { gateway: randomToken('svc_'), identity: randomToken('svc_') };
  const captured = captureLogs();
  const notifier = options.notifier === false ? null : (options.notifier ?? recordingNotifier());
  const config = loadAuthzConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    GATEWAY_PUBLIC_JWKS: JSON.stringify(keys.publicJwks),
    INTERNAL_API_CREDENTIALS: `gateway:${credentials.gateway},identity:${credentials.identity}`,
    ...options.env,
  });
  const logger = createLogger({ service: 'authz', level: config.LOG_LEVEL, destination: captured.stream });
  const server = await createAuthzServer(config, {
    logger,
    ...(notifier ? { invalidationNotifier: notifier } : {}),
    ...(options.eventTransport ? { eventTransport: options.eventTransport } : {}),
  });
  const running = await server.start(0);
  const db = createDatabase({ url: databaseUrl, poolMax: 2, applicationName: 'authz-test' });

  const harness: AuthzHarness = {
    url: running.url,
    databaseUrl,
    db,
    credentials,
    notifier: notifier ?? recordingNotifier(),
    logs: captured.lines,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}, caller: Caller = anonymous) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [GATEWAY_PROOF_HEADER]: await signer.sign('authz', caller),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
    },
    async internal(method, path, internalOptions = {}) {
      const authorization =
        internalOptions.authorization === undefined
          ? `Bearer ${credentials[internalOptions.as ?? 'gateway']}`
          : internalOptions.authorization;
      const { body } = internalOptions;
      const response = await fetch(`${running.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async roleId(name) {
      const row = await db<{ id: string; name: string }>('roles').where({ name }).first('id');
      if (!row) throw new Error(`no role named ${name}`);
      return row.id;
    },
    async version() {
      const row = await db<{ version: number }>('authz_state').first('version');
      if (!row) throw new Error('authz_state has no row');
      return row.version;
    },
    async stop() {
      await server.stop();
      await db.destroy();
    },
  };
  return harness;
}

/**
 * The client contract's operation `name`, exactly as `supergraph/operations/authz.graphql`
 * (the copy of the contract) writes it.
 */
export function contractOperation(name: string): string {
  const file = new URL('../../../supergraph/operations/authz.graphql', import.meta.url);
  const document = parse(readFileSync(file, 'utf8'));
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
  );
  if (!operation) throw new Error(`the contract has no operation named ${name}`);
  return print(operation);
}

/** What the contract's `MyAccess` asks authz for, once the gateway has `me { id }` from identity. */
export const USER_ACCESS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        roles {
          id
          name
        }
        permissions
      }
    }
  }
`;

export interface UserAccessData {
  _entities: ({ id: string; roles: { id: string; name: string }[]; permissions: string[] } | null)[];
}

export function userReference(id: string) {
  return { __typename: 'User', id };
}

/** The code of the first error, for terse assertions. */
export function errorCode(body: GraphQLResponse<unknown>): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}

export const CREATE_ROLE = contractOperation('CreateRole');
export const GRANT_PERMISSIONS = contractOperation('GrantPermissions');
export const REVOKE_PERMISSIONS = contractOperation('RevokePermissions');
export const ASSIGN_ROLE = contractOperation('AssignRole');
export const UNASSIGN_ROLE = contractOperation('UnassignRole');
export const ROLES = contractOperation('Roles');
export const PERMISSIONS = contractOperation('Permissions');

export const DELETE_ROLE = /* GraphQL */ `
  mutation DeleteRole($id: ID!, $cascade: Boolean) {
    deleteRole(input: { id: $id, cascade: $cascade }) {
      success
    }
  }
`;

export const ROLE = /* GraphQL */ `
  query Role($id: ID!) {
    role(id: $id) {
      id
      name
      description
      permissions
      system
      createdAt
    }
  }
`;

export interface RoleData {
  id: string;
  name: string;
  description?: string | null;
  permissions: string[];
}

let roleCounter = 0;
/** A role name no other test uses. */
export function uniqueRoleName(label = 'role'): string {
  roleCounter += 1;
  return `${label}-${roleCounter}-${randomUUID().slice(0, 8)}`;
}

/** Creates a role as an administrator and returns it, failing the test on any error. */
export async function createRole(
  authz: AuthzHarness,
  input: { name?: string; description?: string | null; permissions?: string[] } = {},
): Promise<RoleData> {
  const { body } = await authz.graphql<{ createRole: { role: RoleData } }>(
    CREATE_ROLE,
    {
      name: input.name ?? uniqueRoleName(),
      description: input.description ?? null,
      permissions: input.permissions ?? [],
    },
    administrator(),
  );
  if (!body.data?.createRole) throw new Error(`createRole failed: ${JSON.stringify(body.errors)}`);
  return body.data.createRole.role;
}

/** Gives `userId` the role as an administrator, failing the test on any error. */
export async function assign(authz: AuthzHarness, userId: string, roleId: string): Promise<void> {
  const { body } = await authz.graphql(ASSIGN_ROLE, { userId, roleId }, administrator());
  if (body.errors) throw new Error(`assignRole failed: ${JSON.stringify(body.errors)}`);
}
