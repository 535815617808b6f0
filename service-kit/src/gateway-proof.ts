/**
 * Gateway proof: how a subgraph knows a request really comes from the gateway, and who
 * the verified caller is. The gateway signs a short-lived JWT (EdDSA) per subgraph, with
 * the subgraph's name as audience, carrying the caller it verified. Subgraphs accept
 * GraphQL only with a valid proof and read the caller from it, never from plain headers.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

export const GATEWAY_PROOF_HEADER = 'x-gateway-proof';
export const GATEWAY_PROOF_ISSUER = 'platform-gateway';
const PROOF_TYPE = 'gateway-proof+jwt';
const ALGORITHM = 'EdDSA';

/** The verified caller of a request, as the gateway established it. */
export interface Caller {
  /** The user's id, or null for an anonymous caller. */
  userId: string | null;
  /** The session the access token belongs to, when there is one. */
  sessionId: string | null;
  /**
   * The caller's effective permissions as the gateway resolved them from authz for this
   * request (empty for anonymous callers), so subgraphs can check again (defense in depth).
   */
  permissions: readonly string[];
}

export const anonymousCaller: Caller = Object.freeze({ userId: null, sessionId: null, permissions: Object.freeze([]) });

export interface GatewayKeys {
  privateJwk: JWK;
  publicJwks: { keys: JWK[] };
}

/** Generates an Ed25519 key pair for signing proofs (development and tests; production configures keys). */
export async function generateGatewayKeys(kid = `gw-${Date.now().toString(36)}`): Promise<GatewayKeys> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' };
  return { privateJwk, publicJwks: { keys: [publicJwk] } };
}

export interface GatewayProofSigner {
  sign(audience: string, caller: Caller): Promise<string>;
}

/**
 * Signs proofs. A proof for the same caller and audience is reused for half its lifetime,
 * so the gateway does not sign on every subgraph fetch.
 */
export function createGatewayProofSigner(options: { privateJwk: JWK; ttlSeconds?: number }): GatewayProofSigner {
  const ttl = options.ttlSeconds ?? 60;
  const keyPromise = importJWK(options.privateJwk, ALGORITHM);
  const cache = new Map<string, { token: string; reuseUntil: number }>();
  return {
    async sign(audience, caller) {
      const cacheKey = `${audience}\u0000${caller.userId ?? ''}\u0000${caller.sessionId ?? ''}\u0000${caller.permissions.join(' ')}`;
      const now = Date.now();
      const cached = cache.get(cacheKey);
      if (cached && cached.reuseUntil > now) return cached.token;
      const claims: Record<string, unknown> = {};
      if (caller.sessionId) claims.sid = caller.sessionId;
      if (caller.permissions.length > 0) claims.scp = caller.permissions.join(' ');
      const jwt = new SignJWT(claims)
        .setProtectedHeader({
          alg: ALGORITHM,
          typ: PROOF_TYPE,
          ...(options.privateJwk.kid ? { kid: options.privateJwk.kid } : {}),
        })
        .setIssuer(GATEWAY_PROOF_ISSUER)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`);
      if (caller.userId) jwt.setSubject(caller.userId);
      const token = await jwt.sign(await keyPromise);
      if (cache.size > 10_000) cache.clear();
      cache.set(cacheKey, { token, reuseUntil: now + (ttl * 1000) / 2 });
      return token;
    },
  };
}

export class GatewayProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayProofError';
  }
}

export interface GatewayProofVerifier {
  /** Resolves the verified caller, or throws {@link GatewayProofError}. */
  verify(token: string | undefined): Promise<Caller>;
}

export function createGatewayProofVerifier(options: {
  jwks: { keys: JWK[] };
  audience: string;
  clockToleranceSeconds?: number;
}): GatewayProofVerifier {
  const keySet = createLocalJWKSet(options.jwks);
  // Verified proofs are remembered until they expire: the same proof arrives on many requests.
  const verified = new Map<string, { caller: Caller; expiresAt: number }>();
  return {
    async verify(token) {
      if (!token) throw new GatewayProofError('missing gateway proof');
      const now = Date.now();
      const hit = verified.get(token);
      if (hit && hit.expiresAt > now) return hit.caller;
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [ALGORITHM],
          issuer: GATEWAY_PROOF_ISSUER,
          audience: options.audience,
          typ: PROOF_TYPE,
          requiredClaims: ['exp', 'iat'],
          clockTolerance: options.clockToleranceSeconds ?? 5,
          maxTokenAge: '5m',
        });
        const caller: Caller = Object.freeze({
          userId: typeof payload.sub === 'string' ? payload.sub : null,
          sessionId: typeof payload.sid === 'string' ? payload.sid : null,
          permissions: Object.freeze(typeof payload.scp === 'string' ? payload.scp.split(' ') : []),
        });
        if (verified.size > 10_000) verified.clear();
        verified.set(token, { caller, expiresAt: (payload.exp ?? 0) * 1000 });
        return caller;
      } catch (error) {
        throw new GatewayProofError(`invalid gateway proof: ${(error as Error).message}`);
      }
    },
  };
}
