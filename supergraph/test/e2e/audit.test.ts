/** The audit trail's queries through the gateway, behind audit.log.read and audit.log.verify. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform.stop());

describe('the audit trail through the gateway', () => {
  it('lets the seeded admin page the log and verify the chain', async () => {
    const { accessToken } = await login(platform, platform.admin);
    const logs = await platform.graphql(contractOperation('AuditLogs'), { first: 10 }, { token: accessToken });
    expect(logs.body.errors).toBeUndefined();
    expect(logs.body.data).toMatchObject({ auditLogs: { pageInfo: { hasNextPage: false } } });
    const verified = await platform.graphql(contractOperation('VerifyAuditChain'), {}, { token: accessToken });
    expect(verified.body.data).toMatchObject({ verifyAuditChain: { valid: true, firstBrokenId: null } });
  });

  it('removes both for a user without the audit permissions', async () => {
    const user = await registerUser(platform, 'auditless');
    const { accessToken } = await login(platform, user);
    const logs = await platform.graphql(contractOperation('AuditLogs'), { first: 10 }, { token: accessToken });
    expect(logs.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['auditLogs'], 'UNAUTHORIZED_FIELD_OR_TYPE'],
    ]);
    const verified = await platform.graphql(contractOperation('VerifyAuditChain'), {}, { token: accessToken });
    expect(verified.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
