/** The audit trail's queries through the gateway, behind audit.log.read and audit.log.verify. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { login, registerUser } from '../harness/users.js';

let platform: TestPlatform;
beforeAll(async () => {
  // The operation limits would refuse the 150 aliases of the large denial before authorization.
  platform = await startTestPlatform({
    environment: { gateway: { MAX_OPERATION_ALIASES: '200', MAX_OPERATION_ROOT_FIELDS: '200' } },
  });
});
afterAll(() => platform.stop());

describe('the audit trail through the gateway', () => {
  it('lets the seeded admin page the log and verify the chain', async () => {
    const { accessToken } = await login(platform, platform.admin);
    const logs = await platform.graphql(contractOperation('AuditLogs'), { first: 10 }, { token: accessToken });
    expect(logs.body.errors).toBeUndefined();
    expect(logs.body.data).toMatchObject({ auditLogs: { edges: expect.any(Array) as unknown } });
    const verified = await platform.graphql(contractOperation('VerifyAuditChain'), {}, { token: accessToken });
    expect(verified.body.data).toMatchObject({ verifyAuditChain: { valid: true, firstBrokenId: null } });
  });

  it('records an authorization denial at the gateway as a DENIED audit event', async () => {
    const user = await registerUser(platform, 'denied');
    const { accessToken } = await login(platform, user);
    const denied = await platform.graphql(contractOperation('Roles'), {}, { token: accessToken });
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');

    const admin = (await login(platform, platform.admin)).accessToken;
    const deadline = Date.now() + 5000;
    let nodes: { action: string; outcome: string; actor: { id: string } | null }[] = [];
    while (Date.now() < deadline) {
      const logs = await platform.graphql<{ auditLogs: { edges: { node: (typeof nodes)[number] }[] } }>(
        contractOperation('AuditLogs'),
        { filter: { actorId: user.id, action: 'gateway.authorization.denied' }, first: 5 },
        { token: admin },
      );
      nodes = logs.body.data?.auditLogs.edges.map((edge) => edge.node) ?? [];
      if (nodes.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(nodes).toEqual([
      expect.objectContaining({
        action: 'gateway.authorization.denied',
        outcome: 'DENIED',
        actor: expect.objectContaining({ id: user.id }) as unknown,
      }),
    ]);
  });

  it('records a denial with a 600-character User-Agent and 150 removed fields, cut to fit its event', async () => {
    const user = await registerUser(platform, 'denied-large');
    const { accessToken } = await login(platform, user);
    const aliases = Array.from({ length: 150 }, (_, index) => `r${index}: roles { id }`).join(' ');
    const denied = await platform.graphql(
      `query ManyDenied { ${aliases} }`,
      {},
      { token: accessToken, headers: { 'user-agent': 'u'.repeat(600) } },
    );
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');

    const admin = (await login(platform, platform.admin)).accessToken;
    const deadline = Date.now() + 5000;
    let nodes: { action: string; outcome: string; userAgent: string | null }[] = [];
    while (Date.now() < deadline) {
      const logs = await platform.graphql<{ auditLogs: { edges: { node: (typeof nodes)[number] }[] } }>(
        `query DeniedLogs($filter: AuditLogFilter) {
          auditLogs(filter: $filter, first: 5) { edges { node { action outcome userAgent } } }
        }`,
        { filter: { actorId: user.id, action: 'gateway.authorization.denied' } },
        { token: admin },
      );
      nodes = logs.body.data?.auditLogs.edges.map((edge) => edge.node) ?? [];
      if (nodes.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(nodes).toEqual([
      { action: 'gateway.authorization.denied', outcome: 'DENIED', userAgent: `${'u'.repeat(511)}…` },
    ]);
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
