/**
 * The keys that sign access tokens. The first configured key signs; every configured key
 * is published in the JWKS, so a new key can be introduced (published first, promoted to
 * first later) and an old one retired without invalidating tokens in flight.
 *
 * Production configures `SIGNING_KEYS`. Development and tests without it get a key
 * generated on first start and kept in `${DATA_DIR}/auth/signing-keys.json` (mode 0600),
 * so tokens survive a restart. `SIGNING_KEYS` is read by `signingKeysEnv`.
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { z } from 'zod';
import { ACCESS_TOKEN_ALGORITHM } from './access-tokens.js';

/** A private Ed25519 key as JWK, identified by `kid`. */
export interface PrivateSigningJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
  kid: string;
}

/** A public key as published in the JWKS. */
export interface PublicSigningJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof ACCESS_TOKEN_ALGORITHM;
  use: 'sig';
}

export interface SigningKeyRing {
  /** The key new tokens are signed with. */
  signing: { kid: string; key: CryptoKey };
  /** Public parts of every configured key, as served at `/.well-known/jwks.json`. */
  jwks: { keys: PublicSigningJwk[] };
}

function publicJwkOf(key: PrivateSigningJwk): PublicSigningJwk {
  return { kty: key.kty, crv: key.crv, x: key.x, kid: key.kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
}

/** Generates a private Ed25519 signing key. */
export async function generateSigningKey(kid = `auth-${randomUUID()}`): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x!, d: jwk.d!, kid };
}

/**
 * Imports the keys and proves each private half matches its published public half, so a
 * mis-pasted key fails at start rather than as tokens nobody can verify.
 */
export async function createSigningKeyRing(keys: readonly PrivateSigningJwk[]): Promise<SigningKeyRing> {
  if (keys.length === 0) throw new Error('at least one signing key is required');
  const imported: { kid: string; key: CryptoKey }[] = [];
  for (const jwk of keys) {
    const key = await importJWK({ ...jwk }, ACCESS_TOKEN_ALGORITHM).catch((error: unknown) => {
      throw new Error(`signing key "${jwk.kid}" cannot be imported: ${(error as Error).message}`);
    });
    // A symmetric ("oct") key would come back as bytes; only asymmetric keys belong here.
    if (key instanceof Uint8Array) throw new Error(`signing key "${jwk.kid}" is not an Ed25519 private key`);
    const publicKey = await importJWK({ ...publicJwkOf(jwk) }, ACCESS_TOKEN_ALGORITHM);
    // Some runtimes import a mismatched pair without complaint: prove the pair signs and verifies.
    const probe = await new SignJWT({}).setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM }).sign(key);
    await jwtVerify(probe, publicKey).catch(() => {
      throw new Error(`signing key "${jwk.kid}": the private key "d" does not match the public key "x"`);
    });
    imported.push({ kid: jwk.kid, key });
  }
  return { signing: imported[0]!, jwks: { keys: keys.map(publicJwkOf) } };
}

/** `SIGNING_KEYS`: a JSON array of private Ed25519 JWKs, each with a unique `kid`. */
export const signingKeysEnv = z.string().transform((text, ctx): PrivateSigningJwk[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON (an array of private Ed25519 JWKs)' });
    return z.NEVER;
  }
  const result = z
    .array(
      z.looseObject({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string().min(1),
        d: z.string().min(1),
        kid: z.string().min(1),
      }),
    )
    .min(1)
    .safeParse(parsed);
  if (!result.success) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a non-empty JSON array of private Ed25519 JWKs (kty "OKP", crv "Ed25519", x, d and kid)',
    });
    return z.NEVER;
  }
  const kids = result.data.map((key) => key.kid);
  if (new Set(kids).size !== kids.length) {
    ctx.addIssue({ code: 'custom', message: 'every key must have a different "kid"' });
    return z.NEVER;
  }
  return result.data.map(({ kty, crv, x, d, kid }) => ({ kty, crv, x, d, kid }));
});

const storedKeysSchema = z.object({
  keys: z
    .array(
      z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), d: z.string(), kid: z.string() }),
    )
    .min(1),
});

/**
 * Development keys: reads `file`, or generates a key and writes it there (mode 0600). The
 * file is created exclusively, so two services starting together end up with one key.
 */
export async function loadOrCreateDevelopmentKeys(file: string): Promise<PrivateSigningJwk[]> {
  const read = async () => storedKeysSchema.parse(JSON.parse(await readFile(file, 'utf8'))).keys;
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot read development signing keys from ${file}: ${(error as Error).message}`);
    }
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const keys = [await generateSigningKey()];
  try {
    await writeFile(file, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The umask can only remove bits; make sure nobody else can read the private key.
    await chmod(file, 0o600);
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return read();
    throw error;
  }
}

/** Where development keys live under `DATA_DIR`. */
export function developmentKeysFile(dataDir: string): string {
  return path.resolve(dataDir, 'auth', 'signing-keys.json');
}
