/**
 * Access tokens: short-lived JWTs (RFC 9068 style) that the gateway verifies against
 * auth's JWKS without calling auth. The constants below are the contract a verifier pins:
 *
 * - header: `alg` `EdDSA` (Ed25519), `typ` `at+jwt`, `kid` of the signing key;
 * - claims: `iss`, `aud`, `sub` (user id), `sid` (session id), `auth_time` (epoch seconds
 *   of the credential login that started the session: refreshing keeps it), `jti` (random
 *   uuid), `iat`, `exp` (`iat` + ACCESS_TOKEN_TTL_SECONDS).
 *
 * `auth_time` (OpenID Connect Core §2) lets the gateway ask for a recent sign-in before a
 * sensitive operation (the `recent_authentication` policy) without calling auth.
 *
 * Access tokens are not revocable: revoking a session stops its refresh, and outstanding
 * access tokens expire within their TTL.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeyRing } from './signing-keys.js';

export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const TOKEN_TYPE_BEARER = 'Bearer';

export interface IssuedAccessToken {
  token: string;
  /** Seconds until the token expires. */
  expiresIn: number;
}

export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  /** When the user signed in with their credentials: the session's creation. */
  authenticatedAt: Date;
}

export interface AccessTokenIssuer {
  issue(subject: AccessTokenSubject): Promise<IssuedAccessToken>;
}

export function createAccessTokenIssuer(options: {
  keyRing: SigningKeyRing;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now?: () => number;
}): AccessTokenIssuer {
  const now = options.now ?? Date.now;
  return {
    async issue({ userId, sessionId, authenticatedAt }) {
      const issuedAt = Math.floor(now() / 1000);
      const authTime = Math.floor(authenticatedAt.getTime() / 1000);
      const token = await new SignJWT({ sid: sessionId, auth_time: authTime })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: options.keyRing.signing.kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + options.ttlSeconds)
        .setJti(randomUUID())
        .sign(options.keyRing.signing.key);
      return { token, expiresIn: options.ttlSeconds };
    },
  };
}
