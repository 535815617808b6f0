/**
 * Verifies client access tokens against the auth service's JWKS: the algorithm is pinned
 * (EdDSA), and `typ`, `iss`, `aud`, `exp`, `iat` and `sub` are required. Verified tokens
 * are remembered until they expire, so a busy client costs one verification, not one per
 * request.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

const ACCESS_TOKEN_ALGORITHMS = ['EdDSA'];
const ACCESS_TOKEN_TYPE = 'at+jwt';
const CLOCK_TOLERANCE_SECONDS = 5;

export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super('Invalid access token');
    this.name = 'InvalidAccessTokenError';
  }
}

/** Who an access token says the caller is. Tokens carry identity, never permissions. */
export interface TokenIdentity {
  userId: string;
  sessionId: string | null;
  /** When the user last authenticated with credentials (`auth_time`), in epoch seconds. */
  authTime: number | null;
  /** When the token expires (`exp`), in epoch milliseconds: long-lived subscriptions end then. */
  expiresAt: number;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<TokenIdentity>;
}

export function createAccessTokenVerifier(options: {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** For tests: a key set instead of the remote JWKS. */
  keySet?: JWTVerifyGetKey;
}): AccessTokenVerifier {
  const keySet =
    options.keySet ??
    createRemoteJWKSet(new URL(options.jwksUrl), {
      cacheMaxAge: 10 * 60_000,
      cooldownDuration: 30_000,
      timeoutDuration: 5000,
    });
  const verified = new Map<string, { identity: TokenIdentity; expiresAt: number }>();
  return {
    async verify(token) {
      const now = Date.now();
      const hit = verified.get(token);
      if (hit) {
        if (hit.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 > now) return hit.identity;
        verified.delete(token);
      }
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: ACCESS_TOKEN_ALGORITHMS,
          typ: ACCESS_TOKEN_TYPE,
          issuer: options.issuer,
          audience: options.audience,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        const identity: TokenIdentity = Object.freeze({
          userId: payload.sub!,
          sessionId: typeof payload.sid === 'string' ? payload.sid : null,
          authTime: typeof payload.auth_time === 'number' ? payload.auth_time : null,
          expiresAt: payload.exp! * 1000,
        });
        if (verified.size > 50_000) verified.clear();
        verified.set(token, { identity, expiresAt: payload.exp! * 1000 });
        return identity;
      } catch (error) {
        throw new InvalidAccessTokenError((error as Error).message);
      }
    },
  };
}
