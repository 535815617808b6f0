import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityPasswordHasher, seedIdentity, type PasswordHasher } from '../src/subgraph.js';
import { startIdentity, uniqueEmail, type IdentityHarness } from './support.js';

describe('seedIdentity', () => {
  let identity: IdentityHarness;
  let passwords: PasswordHasher;
  beforeAll(async () => {
    identity = await startIdentity();
    passwords = await createIdentityPasswordHasher({
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
    });
  });
  afterAll(() => identity.stop());

  it('creates the admin once, with a verified email, and finds it the second time', async () => {
    const adminEmail = uniqueEmail('admin');
    const first = await seedIdentity(identity.db, passwords, { adminEmail, adminPassword: 'first admin password' });
    expect(first.created).toBe(true);
    const second = await seedIdentity(identity.db, passwords, {
      adminEmail: adminEmail.toUpperCase(),
      adminPassword: 'another admin password',
    });
    expect(second).toEqual({ userId: first.userId, created: false });

    const rows = await identity
      .db<{ id: string; name: string; email_verified_at: Date | null }>('users')
      .whereRaw('lower(email) = ?', [adminEmail]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.userId, name: 'Administrator' });
    expect(rows[0]!.email_verified_at).toBeInstanceOf(Date);
    // The second run never touched the password.
    expect((await identity.verifyCredentials({ email: adminEmail, password: 'first admin password' })).status).toBe(
      200,
    );
    expect((await identity.verifyCredentials({ email: adminEmail, password: 'another admin password' })).status).toBe(
      401,
    );
  });

  it('leaves an existing account with that email as it is', async () => {
    const user = await identity.register({ name: 'Already Here' });
    const result = await seedIdentity(identity.db, passwords, {
      adminEmail: user.email,
      adminPassword: 'seeded password',
      adminName: 'Admin',
    });
    expect(result).toEqual({ userId: user.id, created: false });
    const row = (await identity.db('users').where({ id: user.id }).first()) as { name: string };
    expect(row.name).toBe('Already Here');
    expect((await identity.verifyCredentials({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('creates the admin only once when two seeds run at the same time', async () => {
    const adminEmail = uniqueEmail('admin');
    const results = await Promise.all(
      [1, 2].map(() => seedIdentity(identity.db, passwords, { adminEmail, adminPassword: 'racing admin password' })),
    );
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.userId)).size).toBe(1);
  });

  it('refuses an invalid email or a password registration would not accept', async () => {
    await expect(seedIdentity(identity.db, passwords, { adminEmail: 'nope', adminPassword: 'short' })).rejects.toThrow(
      /admin email must be a valid email address; admin password must be at least 8 characters/,
    );
  });
});
