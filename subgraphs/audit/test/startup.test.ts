import { createDatabase, createLogger, generateGatewayKeys, randomToken } from '@platform/service-kit';
import { captureLogs, createTestDatabase } from '@platform/devkit/testing';
import { describe, expect, it } from 'vitest';
import { loadAuditConfig } from '../src/config.js';
import { createAuditServer } from '../src/server.js';
import { cloudEvent } from './support.js';

async function configFor(databaseUrl: string, env: Record<string, string>) {
  const keys = await generateGatewayKeys();
  return loadAuditConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    GATEWAY_PUBLIC_JWKS: JSON.stringify(keys.publicJwks),
    INTERNAL_API_CREDENTIALS: `identity:${randomToken('svc_')}`,
    ...env,
  });
}

describe('starting the audit subgraph', () => {
  it('works as the application role, and again after a restart with a new password', async () => {
    const databaseUrl = await createTestDatabase('audit');
    const role = `audit_app_${new URL(databaseUrl).pathname.slice(1)}`;
    const owner = createDatabase({ url: databaseUrl, applicationName: 'audit-test-owner' });
    try {
      for (const password of [randomToken('pw_'), randomToken('pw_')]) {
        const config = await configFor(databaseUrl, { AUDIT_APP_ROLE: role, AUDIT_APP_PASSWORD: password });
        const server = await createAuditServer(config, { logger: createLogger({ service: 'audit', level: 'silent' }) });
        const { event } = await server.record(cloudEvent());
        expect(await server.verifyChain()).toMatchObject({ valid: true, lastHash: event.hash });
        await server.stop();
      }
      const { rows } = await owner.raw<{ rows: { count: number }[] }>('select count(*)::int as count from audit_log');
      expect(rows[0]!.count).toBe(2);
    } finally {
      await owner.raw(`drop owned by "${role}"`);
      await owner.raw(`drop role "${role}"`);
      await owner.destroy();
    }
  });

  it('warns when APP_DATABASE_URL connects as a role that could change or remove entries', async () => {
    const databaseUrl = await createTestDatabase('audit');
    const captured = captureLogs();
    const config = await configFor(databaseUrl, { APP_DATABASE_URL: databaseUrl });
    const server = await createAuditServer(config, {
      logger: createLogger({ service: 'audit', level: 'info', destination: captured.stream }),
    });
    try {
      expect(captured.lines().some((line) => line.includes('only the triggers protect the log'))).toBe(true);
      expect((await server.record(cloudEvent())).recorded).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
