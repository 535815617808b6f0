/**
 * Test harness: the real identity server on port 0 against a fresh database, a gateway
 * key to sign proofs with, recording clients for auth (session revoker) and authz (role
 * assignments) that note their calls in one ordered log, and the server's log lines.
 */
import {
  createDatabase,
  createGatewayProofSigner,
  createLogger,
  generateGatewayKeys,
  GATEWAY_PROOF_HEADER,
  randomToken,
  type Caller,
  type Database,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import { captureLogs, createTestDatabase } from '@platform/devkit/testing';
import type { RevokeSessionsInput, SessionRevoker } from '../src/auth-client.js';
import { LastAdminError, type AuthzClient } from '../src/authz-client.js';
import { loadIdentityConfig } from '../src/config.js';
import { createIdentityServer } from '../src/server.js';

export const PUBLIC_APP_URL = 'http://app.test';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; fields?: Record<string, string> } }[];
}

export interface Revocation {
  input: RevokeSessionsInput;
  requestId: string;
}

/** A call to another service, in the order the recording clients saw them. */
export type ServiceCall =
  | { service: 'authz'; operation: 'assignDefaultRole' | 'removeUser'; userId: string; requestId: string }
  | { service: 'auth'; operation: 'revokeSessions'; userId: string; requestId: string };

/** The recording authz client, and how a test makes it answer. */
export interface RecordingAuthz extends AuthzClient {
  /** Users authz treats as the last admin: `removeUser` refuses them with a 409. */
  lastAdmins: Set<string>;
  /** When set, `assignDefaultRole` fails with this error. */
  failDefaultRole: Error | null;
}

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  name: string;
}

export interface IdentityHarness {
  url: string;
  databaseUrl: string;
  /** The test's own connection, for looking at and adjusting rows. */
  db: Database;
  internalCredential: string;
  revocations: Revocation[];
  authz: RecordingAuthz;
  /** Every call to auth and authz, oldest first. */
  serviceCalls: ServiceCall[];
  /** The calls concerning one user, as `service.operation` strings, oldest first. */
  callsFor(userId: string): string[];
  logs(): string[];
  /** A gateway proof for `caller`, signed with the key the server trusts. */
  proof(caller: Caller, audience?: string): Promise<string>;
  /** Sends GraphQL with a gateway proof for `caller` (anonymous by default). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    caller?: Caller,
  ): Promise<{ status: number; body: GraphQLResponse<T> }>;
  /** Posts to the internal credential check with our service credential (or the one given). */
  verifyCredentials(
    body: unknown,
    authorization?: string | null,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  register(overrides?: Partial<Omit<RegisteredUser, 'id'>>): Promise<RegisteredUser>;
  /** The tokens of the mail links logged so far for the user, oldest first. */
  mailTokens(userId: string, page: MailPage): string[];
  /** The token of the user's `nth` mail link (the first by default), waiting for it to be logged. */
  mailToken(userId: string, page: MailPage, nth?: number): Promise<string>;
  stop(): Promise<void>;
}

export type MailPage = 'verify-email' | 'reset-password';

export interface HarnessOptions {
  /** Reuse a database (to restart with other settings); a fresh one by default. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** The event bus the server's outbox relay publishes to (a private in-process one by default). */
  eventTransport?: EventTransport;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($email: String!, $password: String!, $name: String!) {
    register(input: { email: $email, password: $password, name: $name }) {
      user {
        id
        email
        name
        emailVerified
        createdAt
      }
    }
  }
`;

export function signedIn(
  userId: string,
  sessionId = `session-${randomToken().slice(0, 8)}`,
  permissions: readonly string[] = [],
): Caller {
  return { userId, sessionId, permissions };
}

export const anonymous: Caller = { userId: null, sessionId: null, permissions: [] };

let emailCounter = 0;
export function uniqueEmail(label = 'user'): string {
  emailCounter += 1;
  return `${label}.${emailCounter}.${randomToken()
    .slice(0, 6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}@example.com`;
}

export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startIdentity(options: HarnessOptions = {}): Promise<IdentityHarness> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase('identity'));
  const keys = await generateGatewayKeys();
  const signer = createGatewayProofSigner({ privateJwk: keys.privateJwk });
  const internalCredential = randomToken();
  const captured = captureLogs();
  const revocations: Revocation[] = [];
  const serviceCalls: ServiceCall[] = [];
  const sessionRevoker: SessionRevoker = {
    async revokeSessions(input, requestId) {
      serviceCalls.push({ service: 'auth', operation: 'revokeSessions', userId: input.userId, requestId });
      revocations.push({ input, requestId });
    },
  };
  const authz: RecordingAuthz = {
    lastAdmins: new Set(),
    failDefaultRole: null,
    async assignDefaultRole(userId, requestId) {
      serviceCalls.push({ service: 'authz', operation: 'assignDefaultRole', userId, requestId });
      if (authz.failDefaultRole) throw authz.failDefaultRole;
    },
    async removeUser(userId, requestId) {
      serviceCalls.push({ service: 'authz', operation: 'removeUser', userId, requestId });
      if (authz.lastAdmins.has(userId)) throw new LastAdminError(userId);
    },
  };
  const config = loadIdentityConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MAX: '4',
    GATEWAY_PUBLIC_JWKS: JSON.stringify(keys.publicJwks),
    INTERNAL_API_CREDENTIALS: `auth:${internalCredential}`,
    AUTH_INTERNAL_URL: 'http://127.0.0.1:9',
    AUTH_INTERNAL_CREDENTIAL: randomToken(),
    AUTHZ_INTERNAL_URL: 'http://127.0.0.1:9',
    AUTHZ_INTERNAL_CREDENTIAL: randomToken(),
    PUBLIC_APP_URL,
    ...options.env,
  });
  const logger = createLogger({ service: 'identity', level: config.LOG_LEVEL, destination: captured.stream });
  const server = await createIdentityServer(config, {
    logger,
    sessionRevoker,
    authz,
    ...(options.eventTransport ? { eventTransport: options.eventTransport } : {}),
  });
  const running = await server.start(0);
  const db = createDatabase({ url: databaseUrl, applicationName: 'identity-test' });

  const harness: IdentityHarness = {
    url: running.url,
    databaseUrl,
    db,
    internalCredential,
    revocations,
    authz,
    serviceCalls,
    callsFor: (userId) =>
      serviceCalls.filter((call) => call.userId === userId).map((call) => `${call.service}.${call.operation}`),
    logs: captured.lines,
    proof: (caller, audience = 'identity') => signer.sign(audience, caller),
    async graphql<T>(query: string, variables: Record<string, unknown> = {}, caller: Caller = anonymous) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_PROOF_HEADER]: await harness.proof(caller) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphQLResponse<T> };
    },
    async verifyCredentials(body, authorization = `Bearer ${internalCredential}`) {
      const response = await fetch(`${running.url}/internal/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async register(overrides = {}) {
      const input = {
        email: overrides.email ?? uniqueEmail(),
        password: overrides.password ?? `pw-${randomToken().slice(0, 12)}`,
        name: overrides.name ?? 'Ada Lovelace',
      };
      const { body } = await harness.graphql<{ register: { user: { id: string } } }>(REGISTER, input);
      if (!body.data?.register) throw new Error(`registration failed: ${JSON.stringify(body.errors)}`);
      return { ...input, id: body.data.register.user.id };
    },
    mailTokens(userId, page) {
      const prefix = `${PUBLIC_APP_URL}/${page}?token=`;
      return captured
        .lines()
        .map((line) => JSON.parse(line) as { userId?: string; link?: string })
        .filter((entry) => entry.userId === userId && entry.link?.startsWith(prefix))
        .map((entry) => decodeURIComponent(entry.link!.slice(prefix.length)));
    },
    async mailToken(userId, page, nth = 1) {
      return waitFor(() => harness.mailTokens(userId, page)[nth - 1], `${page} link #${nth} for user ${userId}`);
    },
    async stop() {
      await server.stop();
      await db.destroy();
    },
  };
  return harness;
}
