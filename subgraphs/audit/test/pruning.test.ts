/**
 * Audit's consumers remember processed event ids only for PROCESSED_EVENTS_RETENTION_HOURS:
 * the application role may delete from `processed_events` (never from `audit_log`), and the
 * subgraph prunes at start and hourly.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@platform/devkit/testing';
import { startAudit, type AuditHarness } from './support.js';

let audit: AuditHarness;
const old = randomUUID();
const recent = randomUUID();

beforeAll(async () => {
  // A first start creates the tables; the rows are then planted as the owner, and a second
  // start on the same database prunes at once.
  const first = await startAudit();
  const { databaseUrl } = first;
  await first.db('processed_events').insert([
    { consumer: 'audit.log', event_id: old, processed_at: first.db.raw("now() - interval '3 hours'") },
    { consumer: 'audit.log', event_id: recent, processed_at: first.db.raw('now()') },
  ]);
  await first.stop();
  audit = await startAudit({ databaseUrl, env: { PROCESSED_EVENTS_RETENTION_HOURS: '2' } });
});
afterAll(() => audit?.stop());

describe('processed event ids', () => {
  it('are forgotten past their retention, and kept within it', async () => {
    await eventually(
      async () => (await audit.db('processed_events').where({ event_id: old })).length === 0,
      'the old id to be pruned',
    );
    expect(await audit.db('processed_events').where({ event_id: recent })).toHaveLength(1);
  });

  it('may be deleted by the application role, while audit_log rows may not', async () => {
    await expect(audit.app('processed_events').where({ event_id: recent }).delete()).resolves.toBe(1);
    await expect(audit.app('audit_log').delete()).rejects.toThrow();
  });
});
