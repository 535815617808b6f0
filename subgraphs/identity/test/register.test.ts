import { sha256Hex } from '@platform/service-kit';
import { eventually } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTER, startIdentity, uniqueEmail, type IdentityHarness } from './support.js';

const USER_REGISTERED = 'platform.identity.user.registered.v1';

interface RegisterData {
  register: { user: { id: string; email: string; name: string; emailVerified: boolean; createdAt: string } };
}

describe('register', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('creates an unverified user with a trimmed, lower-cased email and a trimmed name', async () => {
    const local = uniqueEmail('grace').split('@')[0]!;
    const { status, body } = await identity.graphql<RegisterData>(REGISTER, {
      email: `  ${local.toUpperCase()}@Example.COM `,
      password: 'correct horse battery',
      name: '  Grace Hopper ',
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const user = body.data!.register.user;
    expect(user).toMatchObject({ email: `${local}@example.com`, name: 'Grace Hopper', emailVerified: false });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
  });

  it('rejects a malformed email with BAD_USER_INPUT on input.email', async () => {
    const { body } = await identity.graphql(REGISTER, { email: 'not-an-email', password: 'long enough', name: 'A' });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.email': 'must be a valid email address' },
    });
  });

  it('rejects an email longer than 254 characters', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
    const { body } = await identity.graphql(REGISTER, { email, password: 'long enough', name: 'A' });
    expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.email': 'must be at most 254 characters' });
  });

  it('rejects a password of 7 characters with BAD_USER_INPUT on input.password', async () => {
    const { body } = await identity.graphql(REGISTER, { email: uniqueEmail(), password: '1234567', name: 'A' });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.password': 'must be at least 8 characters' },
    });
  });

  it('rejects a password of 129 characters with BAD_USER_INPUT on input.password', async () => {
    const { body } = await identity.graphql(REGISTER, { email: uniqueEmail(), password: 'p'.repeat(129), name: 'A' });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: { 'input.password': 'must be at most 128 characters' },
    });
  });

  it('accepts passwords of exactly 8 and 128 characters', async () => {
    for (const password of ['p'.repeat(8), 'p'.repeat(128)]) {
      const { body } = await identity.graphql(REGISTER, { email: uniqueEmail(), password, name: 'Bound' });
      expect(body.errors).toBeUndefined();
    }
  });

  it('reports every invalid input in one error', async () => {
    const { body } = await identity.graphql(REGISTER, { email: 'nope@', password: 'short', name: '   ' });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.fields).toEqual({
      'input.email': 'must be a valid email address',
      'input.password': 'must be at least 8 characters',
      'input.name': 'is required',
    });
  });

  it('rejects a name longer than 100 characters', async () => {
    const { body } = await identity.graphql(REGISTER, {
      email: uniqueEmail(),
      password: 'long enough',
      name: 'n'.repeat(101),
    });
    expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'input.name': 'must be at most 100 characters' });
  });

  it('refuses a second account for the same address in another letter case with CONFLICT', async () => {
    const email = uniqueEmail('twice');
    await identity.register({ email });
    const { body } = await identity.graphql(REGISTER, {
      email: email.toUpperCase(),
      password: 'another password',
      name: 'Someone Else',
    });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('lets only one of two simultaneous registrations of one address succeed', async () => {
    const email = uniqueEmail('race');
    const attempts = await Promise.all(
      [email, email.toUpperCase()].map((variant) =>
        identity.graphql(REGISTER, { email: variant, password: 'racing password', name: 'Racer' }),
      ),
    );
    const codes = attempts.map(({ body }) => body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
  });

  it('publishes user.registered once the account exists, for authz to give the default role, and calls no service', async () => {
    const user = await identity.register();
    expect(await identity.db('users').where({ id: user.id })).toHaveLength(1);
    const event = await eventually(
      () => identity.published(USER_REGISTERED).find((published) => published.subject === user.id),
      'user.registered',
    );
    expect(event.data).toMatchObject({ userId: user.id, email: user.email, emailVerified: false });
    expect(identity.authz.callsFor(user.id)).toEqual([]);
  });

  it('registers the user while authz is down, logging no error: the default role follows from the event', async () => {
    const down = await startIdentity({ env: { AUTHZ_INTERNAL_URL: 'http://127.0.0.1:9' } });
    try {
      const email = uniqueEmail('norole');
      const { body } = await down.graphql<RegisterData>(REGISTER, {
        email,
        password: 'long enough',
        name: 'No Role Yet',
      });
      expect(body.errors).toBeUndefined();
      const userId = body.data!.register.user.id;
      await eventually(
        () => down.published(USER_REGISTERED).some((published) => published.subject === userId),
        'user.registered',
      );
      expect(down.logEntries().filter((entry) => entry.level === 'error')).toEqual([]);
    } finally {
      await down.stop();
    }
  });

  it('issues a single-use verification token stored only as a hash, valid for 24 hours', async () => {
    const user = await identity.register();
    const token = await identity.mailToken(user.id, 'verify-email');
    const rows = await identity.db('user_tokens').where({ user_id: user.id });
    expect(rows).toHaveLength(1);
    const row = rows[0] as { token_hash: string; purpose: string; expires_at: Date; created_at: Date };
    expect(row.purpose).toBe('email_verification');
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(row.token_hash).not.toContain(token);
    const lifetimeHours = (row.expires_at.getTime() - row.created_at.getTime()) / 3_600_000;
    expect(lifetimeHours).toBeCloseTo(24, 2);
  });
});
