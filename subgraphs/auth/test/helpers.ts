/**
 * Test harness for the auth subgraph: builds the real server with `createAuthServer` on
 * port 0 against a real Postgres, with a fixed in-test user table in place of identity's
 * credential check, and sends GraphQL the way the gateway does (with a signed proof).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createGatewayProofSigner,
  createLogger,
  GATEWAY_PROOF_HEADER,
  generateGatewayKeys,
  randomToken,
  type Caller,
  type Environment,
  type Logger,
} from '@platform/service-kit';
import type { EventTransport } from '@platform/service-kit/events';
import { loadAuthConfig, type AuthConfig } from '../src/config.js';
import type { CredentialsVerifier } from '../src/identity-client.js';
import { createAuthServer } from '../src/server.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export function newUser(name = 'user'): TestUser {
  const id = randomUUID();
  return { id, email: `${name}-${id.slice(0, 8)}@example.test`, password: `correct horse ${id}` };
}

/** Identity's credential check, against a table of users kept by the test. */
export function fakeCredentialsVerifier(users: TestUser[]): CredentialsVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    async verify(email: string, password: string) {
      verifier.calls += 1;
      const user = users.find((candidate) => candidate.email.toLowerCase() === email.trim().toLowerCase());
      return user && user.password === password ? { userId: user.id } : null;
    },
    async findUserId(email: string) {
      return users.find((candidate) => candidate.email.toLowerCase() === email.trim().toLowerCase())?.id ?? null;
    },
  };
  return verifier;
}

export interface GraphQLResult<TData = Record<string, unknown>> {
  status: number;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestAuthServer {
  url: string;
  config: AuthConfig;
  /** The credential identity presents to auth's internal API. */
  internalCredential: string;
  users: TestUser[];
  verifier: CredentialsVerifier & { calls: number };
  /** Sends GraphQL as the gateway would, proving `caller` (anonymous by default). */
  graphql<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { caller?: Caller; headers?: Record<string, string>; withoutProof?: boolean },
  ): Promise<GraphQLResult<TData>>;
  stop(): Promise<void>;
}

export const silentLogger = (): Logger => createLogger({ service: 'auth', level: 'silent' });

export async function startAuthServer(options: {
  databaseUrl: string;
  users?: TestUser[];
  env?: Environment;
  logger?: Logger;
  /** The event bus the server's outbox relay publishes to (a private in-process one by default). */
  eventTransport?: EventTransport;
}): Promise<TestAuthServer> {
  const gatewayKeys = await generateGatewayKeys();
  const signer = createGatewayProofSigner({ privateJwk: gatewayKeys.privateJwk });
  const internalCredential = randomToken('svc_');
  const users = options.users ?? [];
  // A data folder of our own unless the test brings one (and then cleans it up itself).
  const ownDataDir = options.env?.DATA_DIR ? null : await mkdtemp(path.join(tmpdir(), 'auth-test-'));
  const config = loadAuthConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.databaseUrl,
    GATEWAY_PUBLIC_JWKS: JSON.stringify(gatewayKeys.publicJwks),
    INTERNAL_API_CREDENTIALS: `identity:${internalCredential}`,
    IDENTITY_INTERNAL_URL: 'http://127.0.0.1:9',
    IDENTITY_INTERNAL_CREDENTIAL: randomToken('svc_'),
    ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
    ...options.env,
  });
  const verifier = fakeCredentialsVerifier(users);
  const server = await createAuthServer(config, {
    logger: options.logger ?? silentLogger(),
    credentialsVerifier: verifier,
    ...(options.eventTransport ? { eventTransport: options.eventTransport } : {}),
  });
  const running = await server.start(0);
  return {
    url: running.url,
    config,
    internalCredential,
    users,
    verifier,
    async graphql(query, variables = {}, requestOptions = {}) {
      const caller = requestOptions.caller ?? { userId: null, sessionId: null, permissions: [] };
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(requestOptions.withoutProof ? {} : { [GATEWAY_PROOF_HEADER]: await signer.sign('auth', caller) }),
          ...requestOptions.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResult, 'status'>;
      return { status: response.status, ...body } as GraphQLResult<never>;
    },
    async stop() {
      await server.stop();
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}

export const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(input: { email: $email, password: $password }) {
      accessToken
      refreshToken
      expiresIn
      tokenType
      user {
        id
      }
    }
  }
`;

export const REFRESH = /* GraphQL */ `
  mutation RefreshToken($refreshToken: String!) {
    refreshToken(input: { refreshToken: $refreshToken }) {
      accessToken
      refreshToken
      expiresIn
      tokenType
    }
  }
`;

export const LOGOUT = /* GraphQL */ `
  mutation Logout($refreshToken: String!) {
    logout(input: { refreshToken: $refreshToken }) {
      success
    }
  }
`;

export const USER_SESSIONS = /* GraphQL */ `
  query UserSessions($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        sessions {
          id
          createdAt
          lastUsedAt
          expiresAt
          userAgent
          ipAddress
          current
        }
      }
    }
  }
`;

export interface LoginData {
  login: { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string; user: { id: string } };
}
export interface RefreshData {
  refreshToken: { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string };
}

/** Logs `user` in and returns the payload, failing the test on any error. */
export async function login(
  auth: TestAuthServer,
  user: TestUser,
  headers: Record<string, string> = {},
): Promise<LoginData['login']> {
  const result = await auth.graphql<LoginData>(LOGIN, { email: user.email, password: user.password }, { headers });
  if (!result.data?.login) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login;
}

/** The error code of the first error, for terse assertions. */
export function errorCode(result: GraphQLResult<unknown>): unknown {
  return result.errors?.[0]?.extensions?.code;
}
