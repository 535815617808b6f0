/**
 * Who is calling: the one way a bearer token becomes the caller of an operation, whether it
 * came in HTTP's `Authorization` header or in a graphql-ws `connection_init` payload. The
 * token says who the caller is, unless its session has ended since (`sessions/revoked-sessions.ts`);
 * authz says what they may do, fresh for every HTTP request and every subscription.
 */
import { anonymousCaller, type Caller } from '@platform/service-kit';
import { InvalidAccessTokenError, type AccessTokenVerifier, type TokenIdentity } from './access-tokens.js';
import type { PermissionResolver } from './permissions/effective-permissions.js';
import type { RevokedSessions } from './sessions/revoked-sessions.js';

/**
 * Where a bearer token travels: HTTP's headers (`authorization`), or the `connection_init`
 * payload, as `{ authorization: 'Bearer …' }` (or `Authorization`) or `{ accessToken }`.
 */
export interface BearerCredentials {
  authorization?: unknown;
  Authorization?: unknown;
  /** The bare token, without `Bearer ` (graphql-ws clients only). */
  accessToken?: unknown;
}

/** The caller of one operation, as the gateway's context and its authorization need it. */
export interface ResolvedCaller {
  caller: Caller;
  /** The verified access token, or null for an anonymous caller. */
  identity: TokenIdentity | null;
  /** When the caller last logged in with credentials (`auth_time`, epoch seconds), for policies. */
  authTime: number | null;
}

export interface CallerResolver {
  /**
   * The identity of the token in `credentials`: null without one; {@link InvalidAccessTokenError}
   * for a bad one, or one whose session has been revoked.
   */
  identify(credentials: Readonly<BearerCredentials> | undefined): Promise<TokenIdentity | null>;
  /**
   * The caller: anonymous without a token; with one, who the token names and what authz says
   * they may do now. {@link InvalidAccessTokenError} for a malformed, invalid or expired token:
   * a bad token is refused, never silently downgraded to anonymous.
   */
  resolve(credentials: Readonly<BearerCredentials> | undefined, requestId: string): Promise<ResolvedCaller>;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The bearer token of `credentials`; undefined when there is none, an error when it is malformed. */
export function bearerTokenOf(credentials: Readonly<BearerCredentials> | undefined): string | undefined {
  if (!credentials) return undefined;
  if (typeof credentials.accessToken === 'string' && credentials.accessToken !== '') return credentials.accessToken;
  const header = credentials.authorization ?? credentials.Authorization;
  if (header === undefined || header === null || header === '') return undefined;
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) throw new InvalidAccessTokenError('malformed Authorization header');
  return match[1];
}

export function createCallerResolver(options: {
  accessTokens: AccessTokenVerifier;
  permissions: PermissionResolver;
  revokedSessions: RevokedSessions;
}): CallerResolver {
  const identify = async (credentials: Readonly<BearerCredentials> | undefined) => {
    const token = bearerTokenOf(credentials);
    if (token === undefined) return null;
    const identity = await options.accessTokens.verify(token);
    // Checked on every use, never cached with the token: a logout takes effect on the next request.
    if (identity.sessionId !== null && (await options.revokedSessions.isRevoked(identity.sessionId))) {
      throw new InvalidAccessTokenError('session revoked');
    }
    return identity;
  };
  return {
    identify,
    async resolve(credentials, requestId) {
      const identity = await identify(credentials);
      if (!identity) return { caller: anonymousCaller, identity: null, authTime: null };
      return {
        caller: {
          userId: identity.userId,
          sessionId: identity.sessionId,
          permissions: await options.permissions.permissionsOf(identity.userId, requestId),
        },
        identity,
        authTime: identity.authTime,
      };
    },
  };
}
