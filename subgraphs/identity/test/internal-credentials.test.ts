import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, uniqueEmail, type IdentityHarness } from './support.js';

describe('POST /internal/credentials/verify', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  it('answers the user id and address as stored for a matching email (in any case, with spaces) and password', async () => {
    const user = await identity.register();
    const { status, body } = await identity.verifyCredentials({
      email: `  ${user.email.toUpperCase()} `,
      password: user.password,
    });
    expect(status).toBe(200);
    expect(body).toEqual({ userId: user.id, email: user.email.toLowerCase() });
  });

  it('answers 401 alike for a wrong password and for an unknown email', async () => {
    const user = await identity.register();
    const wrongPassword = await identity.verifyCredentials({ email: user.email, password: 'not the password' });
    const unknownEmail = await identity.verifyCredentials({ email: uniqueEmail('ghost'), password: user.password });
    const malformedEmail = await identity.verifyCredentials({ email: 'ghost', password: user.password });
    expect(wrongPassword).toEqual({ status: 401, body: { error: 'invalid credentials' } });
    expect(unknownEmail).toEqual(wrongPassword);
    expect(malformedEmail).toEqual(wrongPassword);
  });

  it('spends about as long on an unknown email as on a wrong password', async () => {
    const user = await identity.register();
    const time = async (email: string) => {
      const started = performance.now();
      await identity.verifyCredentials({ email, password: 'not the password' });
      return performance.now() - started;
    };
    const median = async (email: string) => {
      const samples = [];
      for (let index = 0; index < 5; index += 1) samples.push(await time(email));
      return samples.sort((a, b) => a - b)[2]!;
    };
    const known = await median(user.email);
    const unknown = await median(uniqueEmail('ghost'));
    // Without the dummy hash an unknown email would answer in well under a millisecond of hashing.
    expect(unknown).toBeGreaterThan(known * 0.5);
  });

  it('refuses a caller without a service credential, or with a wrong one, with 401', async () => {
    const user = await identity.register();
    const body = { email: user.email, password: user.password };
    const missing = await identity.verifyCredentials(body, null);
    const wrong = await identity.verifyCredentials(body, `Bearer ${'x'.repeat(43)}`);
    const notBearer = await identity.verifyCredentials(body, identity.credential('auth'));
    for (const response of [missing, wrong, notBearer]) {
      expect(response.status).toBe(401);
      expect(response.body).not.toHaveProperty('userId');
    }
  });

  it('answers 400 to a body that is not JSON or lacks the fields', async () => {
    for (const body of ['{not json', { email: 'a@example.com' }, { email: 1, password: 'x' }, '[]']) {
      const response = await identity.verifyCredentials(body);
      expect(response.status).toBe(400);
    }
  });
});

describe('POST /internal/users/lookup', () => {
  let identity: IdentityHarness;
  beforeAll(async () => {
    identity = await startIdentity();
  });
  afterAll(() => identity.stop());

  const lookup = (body: unknown, authorization?: string | null) =>
    identity.internal('auth', '/internal/users/lookup', body, {
      ...(authorization !== undefined ? { authorization } : {}),
    });

  it('names the account of an address (in any case), and null for an unknown one', async () => {
    const user = await identity.register();
    expect(await lookup({ email: ` ${user.email.toUpperCase()}` })).toEqual({ status: 200, body: { userId: user.id } });
    expect(await lookup({ email: uniqueEmail('ghost') })).toEqual({ status: 200, body: { userId: null } });
  });

  it('refuses a caller without a service credential, and a malformed body', async () => {
    expect((await lookup({ email: 'a@example.com' }, null)).status).toBe(401);
    expect((await lookup({ mail: 'a@example.com' })).status).toBe(400);
  });
});
