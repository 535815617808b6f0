/**
 * The callers of the `ours-auth` gateway: `count` users, each with an access token of its own,
 * signed as auth signs them (EdDSA, `typ: at+jwt`, issuer and audience the gateway expects, a
 * session id, `auth_time`), and one small HTTP server in the harness standing in for the two
 * services the gateway asks about a token: auth's JWKS (`/.well-known/jwks.json`) and authz's
 * effective permissions (`/internal/permissions/effective`, checked against its credential;
 * every user has the permission `bench.read`, version 1). The benchmark subgraphs have no auth
 * of their own; the gateway calls these once per worker (keys) and once per user (permissions).
 */
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchIdentity {
  /** The environment that points the gateway at this stand-in. */
  environment: Record<string, string>;
  /** One `Authorization` header per client. */
  clientHeaders: Record<string, string>[];
  /** Effective-permission look-ups served, since start. */
  permissionLookups(): number;
  stop(): Promise<void>;
}

const ISSUER = 'platform-auth';
const AUDIENCE = 'platform-api';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS (EdDSA over Ed25519), as auth issues access tokens. */
function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), key).toString('base64url')}`;
}

export async function startBenchIdentity(count: number, host = '127.0.0.1'): Promise<BenchIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = 'bench-auth';
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }] });
  const credential = randomBytes(32).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const clientHeaders = Array.from({ length: count }, () => {
    const token = signJwt(
      { alg: 'EdDSA', typ: 'at+jwt', kid },
      {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: randomUUID(),
        sid: randomUUID(),
        auth_time: now,
        iat: now,
        exp: now + 3600,
      },
      privateKey,
    );
    return { authorization: `Bearer ${token}` };
  });
  let lookups = 0;
  const server = createServer((req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    if (req.method === 'GET' && req.url === '/.well-known/jwks.json') return send(200, jwks);
    if (req.method !== 'POST' || req.url !== '/internal/permissions/effective') return send(404, '{}');
    if (req.headers.authorization !== `Bearer ${credential}`) return send(401, '{"error":"unauthenticated"}');
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const { userId } = JSON.parse(text) as { userId?: unknown };
      if (typeof userId !== 'string') return send(400, '{"error":"userId"}');
      lookups += 1;
      send(200, JSON.stringify({ userId, permissions: ['bench.read'], version: 1 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    environment: {
      AUTH_JWKS_URL: `${base}/.well-known/jwks.json`,
      ACCESS_TOKEN_ISSUER: ISSUER,
      ACCESS_TOKEN_AUDIENCE: AUDIENCE,
      AUTHZ_INTERNAL_URL: base,
      AUTHZ_INTERNAL_CREDENTIAL: credential,
    },
    clientHeaders,
    permissionLookups: () => lookups,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
