/**
 * Caller resolution: the one way a bearer token (HTTP's `Authorization` header, or a graphql-ws
 * `connection_init` payload) becomes the caller the gateway authorizes and proves to subgraphs.
 */
import { describe, expect, it } from 'vitest';
import { InvalidAccessTokenError, type TokenIdentity } from '../src/access-tokens.js';
import { bearerTokenOf, createCallerResolver } from '../src/callers.js';
import type { PermissionResolver } from '../src/permissions/effective-permissions.js';
import { createMemoryRevokedSessions } from '../src/sessions/revoked-sessions.js';

const identity: TokenIdentity = {
  userId: 'u1',
  sessionId: 's1',
  authTime: 1_700_000_000,
  expiresAt: Date.now() + 60_000,
};

function resolver(grants: string[][] = [['identity.user.read']]) {
  const asked: { userId: string; requestId: string }[] = [];
  const permissions: PermissionResolver = {
    async permissionsOf(userId, requestId) {
      asked.push({ userId, requestId });
      return grants[Math.min(asked.length - 1, grants.length - 1)]!;
    },
    invalidate() {},
  };
  const revokedSessions = createMemoryRevokedSessions();
  const callers = createCallerResolver({
    revokedSessions,
    accessTokens: {
      async verify(token) {
        if (token !== 'good-token') throw new InvalidAccessTokenError('signature verification failed');
        return identity;
      },
    },
    permissions,
  });
  return { callers, asked, revokedSessions };
}

describe('bearer tokens', () => {
  it('reads the token from an Authorization header, or from a connection_init payload', () => {
    expect(bearerTokenOf({ authorization: 'Bearer abc.def-ghi' })).toBe('abc.def-ghi');
    expect(bearerTokenOf({ Authorization: 'Bearer abc.def' })).toBe('abc.def');
    expect(bearerTokenOf({ accessToken: 'abc.def' })).toBe('abc.def');
    expect(bearerTokenOf({ accessToken: '', authorization: 'Bearer from-header' })).toBe('from-header');
  });

  it('finds none when there is none', () => {
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(bearerTokenOf({})).toBeUndefined();
    expect(bearerTokenOf({ authorization: '' })).toBeUndefined();
  });

  it('refuses a malformed one, wherever it came from', () => {
    for (const credentials of [
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: 'bearer abc' },
      { Authorization: 42 },
    ]) {
      expect(() => bearerTokenOf(credentials)).toThrow(InvalidAccessTokenError);
    }
  });
});

describe('resolving the caller', () => {
  it('is anonymous without a token, and asks authz nothing', async () => {
    const { callers, asked } = resolver();
    expect(await callers.resolve({}, 'req-1')).toEqual({
      caller: { userId: null, sessionId: null, permissions: [] },
      identity: null,
      authTime: null,
    });
    expect(asked).toEqual([]);
  });

  it('is the token’s user with the permissions authz gives for this request, fresh each time', async () => {
    const { callers, asked } = resolver([['identity.user.read'], []]);
    expect(await callers.resolve({ authorization: 'Bearer good-token' }, 'req-1')).toEqual({
      caller: { userId: 'u1', sessionId: 's1', permissions: ['identity.user.read'] },
      identity,
      authTime: 1_700_000_000,
    });
    // A graphql-ws connection's payload resolves exactly like the header.
    expect((await callers.resolve({ accessToken: 'good-token' }, 'req-2')).caller.permissions).toEqual([]);
    expect(asked).toEqual([
      { userId: 'u1', requestId: 'req-1' },
      { userId: 'u1', requestId: 'req-2' },
    ]);
  });

  it('refuses an invalid token instead of downgrading it to anonymous', async () => {
    const { callers } = resolver();
    await expect(callers.resolve({ authorization: 'Bearer forged' }, 'req-1')).rejects.toBeInstanceOf(
      InvalidAccessTokenError,
    );
    await expect(callers.identify({ accessToken: 'forged' })).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });

  it('refuses a valid token whose session has been revoked, on HTTP and graphql-ws alike', async () => {
    const { callers, revokedSessions } = resolver();
    await revokedSessions.revoke('s1', Date.now() + 60_000);
    await expect(callers.resolve({ authorization: 'Bearer good-token' }, 'req-1')).rejects.toMatchObject({
      reason: 'session revoked',
    });
    await expect(callers.identify({ accessToken: 'good-token' })).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });

  it('identifies a connection without asking authz', async () => {
    const { callers, asked } = resolver();
    expect(await callers.identify({ authorization: 'Bearer good-token' })).toBe(identity);
    expect(await callers.identify(undefined)).toBeNull();
    expect(asked).toEqual([]);
  });
});
