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
    fetch(`${audit.url}/internal/audit/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  it('records an event once, as coming from the calling service whatever source it claims', async () => {
    const input = { ...cloudEvent(), source: '/platform/authz' };
    const first = await post(input, `Bearer ${audit.credentials.identity}`);
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    const again = await post(input, `Bearer ${audit.credentials.identity}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id, recorded: false });
    const { rows } = await audit.owner.raw<{ rows: { source: string }[] }>(
      'select source from audit_log where id = ?',
      [id],
    );
    expect(rows[0]!.source).toBe('/platform/identity');
  });

  it('refuses a caller without a valid service credential with 401', async () => {
    expect((await post(cloudEvent(), null)).status).toBe(401);
    expect((await post(cloudEvent(), `Bearer ${randomUUID()}`)).status).toBe(401);
  });

  it('refuses an event it cannot record with 400 saying why', async () => {
    const response = await post(
      { eventId: randomUUID(), type: 'x', data: { actorId: 'ada' } },
      `Bearer ${audit.credentials.auth}`,
    );
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toContain('data.actorId must be a UUID');
  });
});
