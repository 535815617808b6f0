/**
 * Every way a request is refused, each with its code: bad input, duplicates, bad
 * credentials, locked accounts, and every kind of bad access token, plus subgraphs
 * refusing requests that did not come through the gateway.
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, registerUser, uniqueEmail } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.stop());

const register = (variables: { email: string; password: string; name: string }) =>
  platform.graphql(contractOperation('Register'), variables);

describe('registration input', () => {
  it('rejects a malformed email with BAD_USER_INPUT naming the email', async () => {
    const response = await register({ email: 'not-an-email', password: 'long enough password', name: 'X' });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.extensions!.fields).toHaveProperty(['input.email']);
  });

  it('rejects a 7-character password and a 129-character one', async () => {
    for (const password of ['seven77', 'x'.repeat(129)]) {
      const response = await register({ email: uniqueEmail(), password, name: 'X' });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors![0]!.extensions!.fields).toHaveProperty(['input.password']);
    }
  });

  it('rejects a duplicate email, whatever its case, with CONFLICT', async () => {
    const user = await registerUser(platform, 'dup');
    const response = await register({ email: user.email.toUpperCase(), password: 'another password', name: 'Y' });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
  });
});

describe('login', () => {
  it('gives one generic error for a wrong password and for an unknown user', async () => {
    const user = await registerUser(platform, 'generic');
    const wrong = await platform.graphql(contractOperation('Login'), {
      email: user.email,
      password: 'wrong password!',
    });
    const unknown = await platform.graphql(contractOperation('Login'), {
      email: uniqueEmail('ghost'),
      password: 'whatever pw',
    });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.body.errors).toEqual(wrong.body.errors);
  });

  it('spends one argon2id verification on an unknown user, exactly as on a wrong password', async () => {
    // Equal work is what makes equal timing: counted by identity's metric, not timed here.
    const verifications = async () => {
      const text = await (await fetch(`${platform.subgraphUrls.identity}/metrics`)).text();
      const count = (target: string) =>
        Number(
          new RegExp(`password_verifications_total\\{[^}]*target="${target}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0,
        );
      return { account: count('account'), dummy: count('dummy') };
    };
    const user = await registerUser(platform, 'work');
    const before = await verifications();
    await platform.graphql(contractOperation('Login'), { email: user.email, password: 'wrong password!' });
    const afterWrong = await verifications();
    await platform.graphql(contractOperation('Login'), { email: uniqueEmail('nobody'), password: 'wrong password!' });
    const afterUnknown = await verifications();
    expect(afterWrong.account - before.account + (afterWrong.dummy - before.dummy)).toBe(1);
    expect(afterUnknown.dummy - afterWrong.dummy).toBe(1);
    expect(afterUnknown.account - afterWrong.account).toBe(0);
  });

  it('locks an account after five failures, with the same generic error even for the right password', async () => {
    const user = await registerUser(platform, 'locked');
    const wrong = await platform.graphql(contractOperation('Login'), {
      email: user.email,
      password: 'wrong password!',
    });
    for (let attempt = 2; attempt <= 5; attempt += 1) {
      await platform.graphql(contractOperation('Login'), { email: user.email, password: 'wrong password!' });
    }
    const locked = await platform.graphql(contractOperation('Login'), { email: user.email, password: user.password });
    expect(locked.body.errors).toEqual(wrong.body.errors);
    expect(locked.body.data).toBeNull();
  });
});

describe('access tokens at the gateway', () => {
  let activeKey: JWK;
  let userId: string;
  const me = (token: string) => platform.graphql(contractOperation('Me'), {}, { token });

  beforeAll(async () => {
    [activeKey] = (await platform.authSigningKeys()) as [JWK];
    userId = (await registerUser(platform, 'tokens')).id;
  });

  /** A token like auth's, with `change` applied to its claims and header. */
  async function craftToken(
    change: { claims?: Record<string, unknown>; omit?: string[]; header?: Record<string, unknown>; key?: JWK } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: platform.environments.auth!.ACCESS_TOKEN_ISSUER ?? 'platform-auth',
      aud: platform.environments.auth!.ACCESS_TOKEN_AUDIENCE ?? 'platform-api',
      sub: userId,
      iat: now,
      exp: now + 900,
      jti: randomUUID(),
      ...change.claims,
    };
    for (const claim of change.omit ?? []) delete claims[claim];
    const key = change.key ?? activeKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: activeKey.kid!, ...change.header })
      .sign(await importJWK(key, 'EdDSA'));
  }

  it('accepts a well-formed token signed by auth (the control case)', async () => {
    const response = await me(await craftToken());
    expect(response.body.data).toMatchObject({ me: { id: userId } });
  });

  const rejected = async (token: string) => {
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data).toBeUndefined();
  };

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejected(await craftToken({ claims: { iat: now - 1000, exp: now - 60 } }));
  });

  it('rejects a token with alg none', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode({ iss: 'platform-auth', aud: 'platform-api', sub: userId, iat: now, exp: now + 900 })}.`;
    await rejected(unsigned);
  });

  it('rejects a token signed by another key under the same kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { exportJWK } = await import('jose');
    await rejected(await craftToken({ key: await exportJWK(privateKey) }));
  });

  it('rejects a token for another audience', async () => {
    await rejected(await craftToken({ claims: { aud: 'some-other-api' } }));
  });

  it('rejects a token without exp', async () => {
    await rejected(await craftToken({ omit: ['exp'] }));
  });

  it('rejects a token of another type (an id token is not an access token)', async () => {
    await rejected(await craftToken({ header: { typ: 'JWT' } }));
  });

  it('rejects a malformed Authorization header instead of treating the caller as anonymous', async () => {
    const response = await platform.graphql(contractOperation('Me'), {}, { headers: { authorization: 'Token abc' } });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('subgraphs only answer the gateway', () => {
  for (const subgraph of ['identity', 'auth']) {
    it(`${subgraph} refuses a direct request without gateway proof, even with a forged user header`, async () => {
      const user = await registerUser(platform, `direct-${subgraph}`);
      const response = await fetch(`${platform.subgraphUrls[subgraph]}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': user.id, 'x-gateway-proof': 'forged' },
        body: JSON.stringify({
          query: 'query ($representations: [_Any!]!) { _entities(representations: $representations) { __typename } }',
          variables: { representations: [{ __typename: 'User', id: user.id }] },
        }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    });
  }
});
