import { createInternalClient, InternalCallError } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthzClient, LastAdminError } from '../src/authz-client.js';

import { startAuthzStandIn, type AuthzStandIn } from './support.js';

/** The kit's client for an internal API, as `internal('authz').client` is built. */
const clientOf = (authz: { url: string; credential: string }) =>
  createInternalClient({ baseUrl: authz.url, credential: authz.credential });

describe('authz client', () => {
  let authz: AuthzStandIn;
  beforeAll(async () => {
    authz = await startAuthzStandIn();
    authz.lastAdmins.add('last-admin');
    authz.failing.add('broken');
  });
  afterAll(() => authz.stop());

  it('removes a user with our credential and the request id', async () => {
    await createAuthzClient(clientOf(authz)).removeUser('user-1', 'req-1');
    expect(authz.calls.at(-1)).toEqual({
      path: '/internal/users/remove',
      userId: 'user-1',
      requestId: 'req-1',
      authorization: `Bearer ${authz.credential}`,
    });
  });

  it('turns a 409 on removal into LastAdminError', async () => {
    const failure = await createAuthzClient(clientOf(authz))
      .removeUser('last-admin', 'req-3')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LastAdminError);
    expect((failure as LastAdminError).userId).toBe('last-admin');
  });

  it('fails with the call error on any other answer', async () => {
    await expect(createAuthzClient(clientOf(authz)).removeUser('broken', 'req-4')).rejects.toBeInstanceOf(
      InternalCallError,
    );
    await expect(createAuthzClient(clientOf(authz)).removeUser('broken', 'req-5')).rejects.toThrow(/500/);
    const wrongCredential = createAuthzClient(clientOf({ url: authz.url, credential: 'x'.repeat(32) }));
    await expect(wrongCredential.removeUser('user-2', 'req-6')).rejects.toThrow(/401/);
  });

  it('keeps a path prefix of the configured URL, with or without a trailing slash', async () => {
    for (const url of [`${authz.url}/authz`, `${authz.url}/authz/`]) {
      await createAuthzClient(clientOf({ url, credential: authz.credential })).removeUser('user-3', 'req-7');
      expect(authz.calls.at(-1)?.path).toBe('/authz/internal/users/remove');
    }
  });
});
