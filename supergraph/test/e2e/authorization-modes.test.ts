/**
 * The gateway's authorization modes and permission caching through Redis: `reject` fails
 * the whole operation, `dry_run` only logs; with Redis shared between authz and the
 * gateway, a revoked permission still stops working on the very next request.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

const PARTIAL = (adminId: string) => `query Partial { me { id } someone: user(id: "${adminId}") { email } }`;

describe('reject mode', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ environment: { gateway: { AUTHORIZATION_MODE: 'reject' } } });
  });
  afterAll(() => platform.stop());

  it('fails the whole operation when any field is unauthorized, and runs nothing', async () => {
    const user = await registerUser(platform, 'reject');
    const { accessToken } = await login(platform, user);
    const response = await platform.graphql(PARTIAL(platform.admin.id), {}, { token: accessToken });
    expect(response.body.data).toBeNull();
    expect(response.body.errors).toEqual([
      { message: 'Unauthorized field or type', path: ['someone'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } },
    ]);
  });

  it('serves an operation the caller is fully allowed', async () => {
    const user = await registerUser(platform, 'reject-ok');
    const { accessToken } = await login(platform, user);
    const response = await platform.graphql(contractOperation('Me'), {}, { token: accessToken });
    expect(response.body.data).toMatchObject({ me: { id: user.id } });
  });
});

describe('dry-run mode', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ environment: { gateway: { AUTHORIZATION_MODE: 'dry_run' } } });
  });
  afterAll(() => platform.stop());

  it('executes the operation unchanged and logs what it would have removed; the subgraph still checks', async () => {
    const user = await registerUser(platform, 'dry');
    const { accessToken } = await login(platform, user);
    const requestId = `dry-${randomBytes(3).toString('hex')}`;
    const response = await platform.graphql(
      PARTIAL(platform.admin.id),
      {},
      {
        token: accessToken,
        headers: { 'x-request-id': requestId },
      },
    );
    // Nothing removed at the gateway: the field reaches identity, whose own permission check
    // (defense in depth) refuses it.
    expect(response.body.data).toEqual({ me: { id: user.id }, someone: null });
    expect(response.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['someone'], 'FORBIDDEN'],
    ]);
    const logged = platform
      .logLines()
      .map((line) => JSON.parse(line) as { requestId?: string; msg?: string; denied?: { path: string }[] })
      .find((entry) => entry.requestId === requestId && entry.msg?.startsWith('authorization dry run'));
    expect(logged?.denied).toEqual([{ path: 'someone', coordinate: 'Query.user' }]);
  });
});

describe('permissions cached in Redis', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ redis: true });
  });
  afterAll(() => platform.stop());

  it('unassigning a role stops its permissions on the very next request', async () => {
    const admin = (await login(platform, platform.admin)).accessToken;
    const member = await registerUser(platform, 'redis');
    const memberToken = (await login(platform, member)).accessToken;
    const roles = () => platform.graphql(contractOperation('Roles'), {}, { token: memberToken });

    const created = await platform.graphql<{ createRole: { role: { id: string } } }>(
      contractOperation('CreateRole'),
      { name: `reader_${randomBytes(3).toString('hex')}`, permissions: ['authz.role.read'] },
      { token: admin },
    );
    const roleId = created.body.data!.createRole.role.id;
    await platform.graphql(contractOperation('AssignRole'), { userId: member.id, roleId }, { token: admin });
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await roles()).body.errors).toBeUndefined();

    await platform.graphql(contractOperation('UnassignRole'), { userId: member.id, roleId }, { token: admin });
    expect((await roles()).body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
