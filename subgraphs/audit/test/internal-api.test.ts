import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, startAudit, type AuditHarness } from './support.js';

describe('recording through the internal API', () => {
  let audit: AuditHarness;
  beforeAll(async () => {
    audit = await startAudit();
  });
  afterAll(() => audit.stop());

  const post = (body: unknown, authorization: string | null) =>
    audit.internal<{ id?: string; recorded?: boolean; error?: string }>('identity', '/internal/audit/events', body, {
      authorization,
    });

  it('records an event once, as coming from the calling service whatever source it claims', async () => {
    const input = { ...cloudEvent(), source: '/platform/authz' };
    const first = await post(input, `Bearer ${audit.credential('identity')}`);
    expect(first.status).toBe(201);
    const { id } = first.body;
    const again = await post(input, `Bearer ${audit.credential('identity')}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id, recorded: false });
    const { rows } = await audit.db.raw<{ rows: { source: string }[] }>('select source from audit_log where id = ?', [
      id!,
    ]);
    expect(rows[0]!.source).toBe('/platform/identity');
  });

  it('refuses a caller without a valid service credential with 401', async () => {
    expect((await post(cloudEvent(), null)).status).toBe(401);
    expect((await post(cloudEvent(), `Bearer ${randomUUID()}`)).status).toBe(401);
  });

  it('refuses an event it cannot record with 400 saying why', async () => {
    const response = await post(
      { eventId: randomUUID(), type: 'x', data: { actorId: 'ada' } },
      `Bearer ${audit.credential('auth')}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toContain('data.actorId must be a UUID');
  });
});
