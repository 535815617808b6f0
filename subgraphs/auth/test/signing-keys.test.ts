import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@platform/devkit/testing';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSigningKeyRing, generateSigningKey } from '../src/domain/signing-keys.js';
import { login, newUser, startAuth } from './support.js';

async function jwksOf(url: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

describe('signing keys', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTestDatabase('auth_keys');
  });

  it('generates development keys once and reuses them on the next start with the same DATA_DIR', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'auth-keys-'));
    const user = newUser();

    const first = await startAuth({ databaseUrl, users: [user], env: { DATA_DIR: dataDir } });
    const firstJwks = await jwksOf(first.url);
    const token = (await login(first, user)).accessToken;
    await first.stop();

    const file = path.join(dataDir, 'auth', 'signing-keys.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await startAuth({ databaseUrl, users: [user], env: { DATA_DIR: dataDir } });
    try {
      const secondJwks = await jwksOf(second.url);
      expect(secondJwks).toEqual(firstJwks);
      // A token from before the restart still verifies against the JWKS served after it.
      await expect(jwtVerify(token, createLocalJWKSet(secondJwks))).resolves.toBeDefined();
    } finally {
      await second.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('signs with the first configured key and publishes all of them', async () => {
    const current = await generateSigningKey('current');
    const previous = await generateSigningKey('previous');
    const user = newUser();
    const auth = await startAuth({
      databaseUrl,
      users: [user],
      env: { SIGNING_KEYS: JSON.stringify([current, previous]) },
    });
    try {
      const jwks = await jwksOf(auth.url);
      expect(jwks.keys).toEqual([
        { kty: 'OKP', crv: 'Ed25519', x: current.x, kid: 'current', alg: 'EdDSA', use: 'sig' },
        { kty: 'OKP', crv: 'Ed25519', x: previous.x, kid: 'previous', alg: 'EdDSA', use: 'sig' },
      ]);
      const token = (await login(auth, user)).accessToken;
      expect(decodeProtectedHeader(token).kid).toBe('current');
    } finally {
      await auth.stop();
    }
  });

  it('refuses a key whose private half does not match its public half', async () => {
    const one = await generateSigningKey('one');
    const other = await generateSigningKey('other');
    await expect(createSigningKeyRing([{ ...one, x: other.x }])).rejects.toThrow(/signing key "one"/);
  });
});
