/**
 * Auth's tests start the real subgraph through the harness, with identity's credential
 * check replaced by a table of users the test keeps, and a data folder of their own for
 * the development signing keys.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GATEWAY_PROOF_HEADER } from '@platform/service-kit';
import {
  anonymous,
  contractOperation,
  postGraphQL,
  startSubgraph,
  type GraphQLResponse,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import type { CredentialsVerifier } from '../src/identity-client.js';
import { authSubgraph } from '../src/subgraph.js';

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
export function fakeCredentialsVerifier(users: TestUser[], delayMs = 0): CredentialsVerifier & { calls: number } {
  const byEmail = (email: string) =>
    users.find((candidate) => candidate.email.toLowerCase() === email.trim().toLowerCase());
  const verifier = {
    calls: 0,
    async verify(email: string, password: string) {
      verifier.calls += 1;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const user = byEmail(email);
      return user && user.password === password ? { userId: user.id, email: user.email.toLowerCase() } : null;
    },
    async findUserId(email: string) {
      return byEmail(email)?.id ?? null;
    },
  };
  return verifier;
}

export interface AuthHarness extends SubgraphHarness<typeof authSubgraph> {
  /** The users identity knows; push to add one. */
  users: TestUser[];
  verifier: CredentialsVerifier & { calls: number };
}

/** Starts auth on port 0 (see the harness) knowing `users` (each check taking `verifyDelayMs`); `env.DATA_DIR` is a temporary folder unless given. */
export async function startAuth(
  options: StartSubgraphOptions<typeof authSubgraph> & { users?: TestUser[]; verifyDelayMs?: number } = {},
): Promise<AuthHarness> {
  const users = options.users ?? [];
  const verifier = fakeCredentialsVerifier(users, options.verifyDelayMs);
  // A data folder of our own unless the test brings one (and then cleans it up itself).
  const ownDataDir = options.env?.DATA_DIR ? null : await mkdtemp(path.join(tmpdir(), 'auth-test-'));
  const harness = await startSubgraph(authSubgraph, {
    ...options,
    env: { ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...options.env },
    overrides: { credentialsVerifier: verifier, ...options.overrides },
  });
  return {
    ...harness,
    users,
    verifier,
    async stop() {
      await harness.stop();
      if (ownDataDir) await rm(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** The contract's `Login`, all of it auth's to answer: the user's address comes with the credential check. */
export const LOGIN = contractOperation('Login');
export const REFRESH = contractOperation('RefreshToken');
export const LOGOUT = contractOperation('Logout');

/** A user's sessions as the gateway asks auth for them (`User.sessions` through `_entities`). */
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
  login: {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    tokenType: string;
    user: { id: string; email: string };
  };
}
export interface RefreshData {
  refreshToken: { accessToken: string; refreshToken: string; expiresIn: number; tokenType: string };
}

/**
 * Logs `user` in as an anonymous caller of the gateway, with the client headers given (the
 * gateway forwards `user-agent` and `x-forwarded-for`), failing the test on any error.
 */
export async function login(
  auth: AuthHarness,
  user: TestUser,
  headers: Record<string, string> = {},
): Promise<LoginData['login']> {
  const response = await postGraphQL(
    auth.url,
    { query: LOGIN, variables: { email: user.email, password: user.password } },
    { [GATEWAY_PROOF_HEADER]: await auth.proof(anonymous), ...headers },
  );
  const body = (await response.json()) as GraphQLResponse<LoginData>;
  if (!body.data?.login) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
  return body.data.login;
}
