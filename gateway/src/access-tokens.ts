/**
 * Verifies client access tokens against the auth service's JWKS: the algorithm is pinned
 * (EdDSA), and `typ`, `iss`, `aud`, `exp`, `iat` and `sub` are required. Verified tokens
 * are remembered until they expire, so a busy client costs one verification, not one per
 * request.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Caller } from '@platform/service-kit';

export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA'];
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const CLOCK_TOLERANCE_SECONDS = 5;

export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super('Invalid access token');
    this.name = 'InvalidAccessTokenError';
  }
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<Caller>;
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
  const verified = new Map<string, { caller: Caller; expiresAt: number }>();
  return {
    async verify(token) {
      const now = Date.now();
      const hit = verified.get(token);
      if (hit) {
        if (hit.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 > now) return hit.caller;
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
        const caller: Caller = Object.freeze({
          userId: payload.sub!,
          sessionId: typeof payload.sid === 'string' ? payload.sid : null,
        });
        if (verified.size > 50_000) verified.clear();
        verified.set(token, { caller, expiresAt: payload.exp! * 1000 });
        return caller;
      } catch (error) {
        throw new InvalidAccessTokenError((error as Error).message);
      }
    },
  };
}

/** The bearer token of an `Authorization` header; undefined when absent, an error when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) throw new InvalidAccessTokenError('malformed Authorization header');
  return match[1];
}
