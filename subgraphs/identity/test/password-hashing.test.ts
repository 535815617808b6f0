import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGON2_MINIMUM, createPasswordHasher } from '../src/domain/passwords.js';
import { startIdentity, type IdentityHarness } from './support.js';

/** The parameters of a PHC-format argon2 hash, e.g. `$argon2id$v=19$m=19456,t=2,p=1$…`. */
function argon2Parameters(hash: string): { algorithm: string; m: number; t: number; p: number } {
  const [, algorithm = '', , parameters = ''] = hash.split('$');
  const values = Object.fromEntries(parameters.split(',').map((pair) => pair.split('=') as [string, string]));
  return { algorithm, m: Number(values.m), t: Number(values.t), p: Number(values.p) };
}

describe('password hashing', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  const storedHash = async (userId: string): Promise<string> => {
    const { rows } = await identity.db.raw<{ rows: { password_hash: string }[] }>(
      'select password_hash from users where id = ?',
      [userId],
    );
    return rows[0]!.password_hash;
  };

  it('stores passwords as argon2id with at least m=19456, t=2 and p=1', async () => {
    const user = await identity.register();
    const hash = await storedHash(user.id);
    expect(hash).not.toContain(user.password);
    const parameters = argon2Parameters(hash);
    expect(parameters.algorithm).toBe('argon2id');
    expect(parameters.m).toBeGreaterThanOrEqual(19456);
    expect(parameters.t).toBeGreaterThanOrEqual(2);
    expect(parameters.p).toBe(1);
  });

  it('rehashes a password at login once the configured parameters increase', async () => {
    const user = await identity.register();
    expect(argon2Parameters(await storedHash(user.id)).t).toBe(2);

    const stronger = await startIdentity({ databaseUrl: identity.databaseUrl, env: { ARGON2_ITERATIONS: '3' } });
    try {
      const { status, body } = await stronger.verifyCredentials({ email: user.email, password: user.password });
      expect(status).toBe(200);
      expect(body).toEqual({ userId: user.id, email: user.email.toLowerCase() });
      const upgraded = await storedHash(user.id);
      expect(argon2Parameters(upgraded)).toMatchObject({ algorithm: 'argon2id', m: 19456, t: 3, p: 1 });
      // The upgraded hash still accepts the same password, on either server.
      expect((await stronger.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
      expect(await storedHash(user.id)).toBe(upgraded);
    } finally {
      await stronger.stop();
    }
  });

  it('does not rehash after a wrong password', async () => {
    const user = await identity.register();
    const before = await storedHash(user.id);
    const stronger = await startIdentity({ databaseUrl: identity.databaseUrl, env: { ARGON2_ITERATIONS: '3' } });
    try {
      expect((await stronger.verifyCredentials({ email: user.email, password: 'wrong password' })).status).toBe(401);
      expect(await storedHash(user.id)).toBe(before);
    } finally {
      await stronger.stop();
    }
  });

  it('verifies beyond its concurrency limit in turn, and frees a slot when a stored hash is malformed', async () => {
    const passwords = await createPasswordHasher(ARGON2_MINIMUM, undefined, 1);
    const hash = await passwords.hash('correct horse battery');
    const checks = await Promise.all([
      passwords.verify('not-a-phc-hash', 'correct horse battery'),
      passwords.verify(hash, 'correct horse battery'),
      passwords.verify(hash, 'wrong horse battery'),
      passwords.verifyDummy('correct horse battery'),
      passwords.verify(hash, 'correct horse battery'),
    ]);
    expect(checks.map((check) => check.valid)).toEqual([false, true, false, false, true]);
  });
});
