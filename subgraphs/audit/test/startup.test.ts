import { createDatabase, randomToken } from '@platform/service-kit';
import { createTestDatabase, startSubgraph } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { auditSubgraph } from '../src/subgraph.js';
import { cloudEvent, dropRole } from './support.js';

describe('starting the audit subgraph', () => {
  it('works as the application role, and again after a restart with a new password', async () => {
    const databaseUrl = await createTestDatabase('audit');
    const role = `audit_app_${new URL(databaseUrl).pathname.slice(1)}`;
    const owner = createDatabase({ url: databaseUrl, applicationName: 'audit-test-owner' });
    try {
      for (const password of [randomToken('pw_'), randomToken('pw_')]) {
        const audit = await startSubgraph(auditSubgraph, {
          databaseUrl,
          env: { AUDIT_APP_ROLE: role, AUDIT_APP_PASSWORD: password },
        });
        try {
          const { event } = await audit.subgraph.exposed.record(cloudEvent());
          expect(await audit.subgraph.exposed.verifyChain()).toMatchObject({ valid: true, lastHash: event.hash });
          // Working as the application role: nothing to warn about.
          expect(audit.logs().some((line) => line.includes('only the triggers protect the log'))).toBe(false);
        } finally {
          await audit.stop();
        }
      }
      const { rows } = await owner.raw<{ rows: { count: number }[] }>('select count(*)::int as count from audit_log');
      expect(rows[0]!.count).toBe(2);
    } finally {
      await owner.destroy();
      await dropRole(databaseUrl, role);
    }
  });

  it('warns when APP_DATABASE_URL connects as a role that could change or remove entries', async () => {
    const databaseUrl = await createTestDatabase('audit');
    const audit = await startSubgraph(auditSubgraph, { databaseUrl, env: { APP_DATABASE_URL: databaseUrl } });
    try {
      expect(audit.logs().some((line) => line.includes('only the triggers protect the log'))).toBe(true);
      expect((await audit.subgraph.exposed.record(cloudEvent())).recorded).toBe(true);
    } finally {
      await audit.stop();
    }
  });
});
