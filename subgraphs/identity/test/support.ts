/**
 * What identity's tests share beyond the kit's harness (`startSubgraph`): identity started
 * with a stand-in for authz's internal API (the one call identity makes and waits for),
 * registering a user, the internal credential check as auth calls it, and the mail links
 * identity hands to notifications (a recording stand-in of its internal API).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomToken } from '@platform/service-kit';
import {
  contractOperation,
  eventually,
  startSubgraph,
  type StartSubgraphOptions,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { identitySubgraph } from '../src/subgraph.js';

export const PUBLIC_APP_URL = 'http://app.test';

export const REGISTER = contractOperation('Register');

/** A request identity made to the authz stand-in. */
export interface AuthzCall {
  path: string;
  userId: string;
  requestId: string | undefined;
  authorization: string | undefined;
}

/** A stand-in for authz's internal API: records every call and answers as a test tells it. */
export interface AuthzStandIn {
  url: string;
  /** The credential it accepts (401 for any other). */
  credential: string;
  calls: AuthzCall[];
  /** The JSON body of every call, in the order of `calls`. */
  bodies: Record<string, unknown>[];
  /** The paths called about one user, oldest first. */
  callsFor(userId: string): string[];
  /** Users it treats as the last admin: `/internal/users/remove` answers 409. */
  lastAdmins: Set<string>;
  /** Users whose calls fail with 500. */
  failing: Set<string>;
  stop(): Promise<void>;
}

export async function startAuthzStandIn(): Promise<AuthzStandIn> {
  const credential = randomToken('svc_');
  const calls: AuthzCall[] = [];
  const bodies: Record<string, unknown>[] = [];
  const lastAdmins = new Set<string>();
  const failing = new Set<string>();
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as Record<string, unknown> & { userId: string };
      const { userId } = body;
      bodies.push(body);
      calls.push({
        path: req.url ?? '',
        userId,
        requestId: req.headers['x-request-id'] as string | undefined,
        authorization: req.headers.authorization,
      });
      const [status, answer] =
        req.headers.authorization !== `Bearer ${credential}`
          ? [401, { error: 'A valid service credential is required' }]
          : failing.has(userId)
            ? [500, { error: 'boom' }]
            : lastAdmins.has(userId) && req.url?.endsWith('/internal/users/remove')
              ? [409, { error: 'cannot remove the last admin' }]
              : [200, { ok: true }];
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credential,
    calls,
    bodies,
    callsFor: (userId) => calls.filter((call) => call.userId === userId).map((call) => call.path),
    lastAdmins,
    failing,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  name: string;
}

export type MailPage = 'verify-email' | 'reset-password';

export interface IdentityHarness extends SubgraphHarness<typeof identitySubgraph> {
  /** The authz identity calls. */
  authz: AuthzStandIn;
  /** A recording stand-in for notifications' internal API, where identity hands over mail links. */
  notifications: AuthzStandIn;
  register(overrides?: Partial<Omit<RegisteredUser, 'id'>>): Promise<RegisteredUser>;
  /** Posts to the internal credential check as auth (or with the `authorization` given; null for none). */
  verifyCredentials(
    body: unknown,
    authorization?: string | null,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The tokens of the mail links handed to notifications so far for the user, oldest first. */
  mailTokens(userId: string, page: MailPage): string[];
  /** The token of the user's `nth` mail link (the first by default), waiting for it to be handed over. */
  mailToken(userId: string, page: MailPage, nth?: number): Promise<string>;
}

let emailCounter = 0;
export function uniqueEmail(label = 'user'): string {
  emailCounter += 1;
  return `${label}.${emailCounter}.${randomToken()
    .slice(0, 6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}@example.com`;
}

/** Identity on port 0 against a fresh database (or `databaseUrl`), calling an authz stand-in. */
export async function startIdentity(
  options: StartSubgraphOptions<typeof identitySubgraph> = {},
): Promise<IdentityHarness> {
  const authz = await startAuthzStandIn();
  const notifications = await startAuthzStandIn();
  let harness: SubgraphHarness<typeof identitySubgraph>;
  try {
    harness = await startSubgraph(identitySubgraph, {
      ...options,
      env: {
        PUBLIC_APP_URL,
        AUTHZ_INTERNAL_URL: authz.url,
        AUTHZ_INTERNAL_CREDENTIAL: authz.credential,
        NOTIFICATIONS_INTERNAL_URL: notifications.url,
        NOTIFICATIONS_INTERNAL_CREDENTIAL: notifications.credential,
        ...options.env,
      },
    });
  } catch (error) {
    await authz.stop();
    await notifications.stop();
    throw error;
  }

  const mailTokens = (userId: string, page: MailPage) => {
    const prefix = `${PUBLIC_APP_URL}/${page}?token=`;
    return notifications.bodies
      .filter((body) => body.userId === userId && typeof body.link === 'string' && body.link.startsWith(prefix))
      .map((body) => decodeURIComponent((body.link as string).slice(prefix.length)));
  };

  return {
    ...harness,
    authz,
    notifications,
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
    verifyCredentials: (body, authorization) =>
      harness.internal('auth', '/internal/credentials/verify', body, {
        ...(authorization !== undefined ? { authorization } : {}),
      }),
    mailTokens,
    mailToken: (userId, page, nth = 1) =>
      eventually(() => mailTokens(userId, page)[nth - 1], `${page} link #${nth} for user ${userId}`),
    async stop() {
      await harness.stop();
      await authz.stop();
      await notifications.stop();
    },
  };
}
