import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAuditCursor } from '../src/domain/cursors.js';
import type { AuditEventModel } from '../src/mappers.js';
import { anonymous, errorCode, postGraphQL, signedIn } from '@platform/devkit/testing';
import {
  administrator,
  AUDIT_LOGS,
  cloudEvent,
  startAudit,
  VERIFY_AUDIT_CHAIN,
  type AuditHarness,
  type AuditLogsData,
} from './support.js';

const reader = () => signedIn(randomUUID(), [Permission.AuditLogRead]);

describe('querying the audit log', () => {
  let audit: AuditHarness;
  const ada = randomUUID();
  const bob = randomUUID();
  const targetUser = randomUUID();
  const recorded: AuditEventModel[] = [];
  /** `n` minutes into 2026. */
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();

  beforeAll(async () => {
    audit = await startAudit();
    const inputs = [
      cloudEvent({ time: at(1), type: 'platform.identity.user.registered.v1', data: { actorId: ada } }),
      cloudEvent({ time: at(2), type: 'platform.auth.login.failed.v1', data: { actorId: ada, outcome: 'FAILURE' } }),
      cloudEvent({
        time: at(3),
        type: 'platform.authz.role.assigned.v1',
        data: { actorId: bob, target: { type: 'user', id: targetUser } },
      }),
      cloudEvent({ time: at(4), type: 'platform.auth.login.succeeded.v1', data: { actorId: bob } }),
      cloudEvent({ time: at(5), type: 'platform.authz.role.created.v1', data: { actorId: bob, outcome: 'DENIED' } }),
      // Recorded late: it happened before everything else, so it lists last.
      cloudEvent({ time: at(0), type: 'platform.identity.user.deleted.v1', data: { actorId: null } }),
    ];
    for (const input of inputs) recorded.push((await audit.subgraph.exposed.record(input)).event);
  });
  afterAll(() => audit.stop());

  const list = async (variables: Record<string, unknown>, caller = reader()) => {
    const { body } = await audit.graphql<AuditLogsData>(AUDIT_LOGS, variables, caller);
    return body;
  };
  const ids = (body: { data?: AuditLogsData | null }) => body.data?.auditLogs.edges.map((edge) => edge.node.id);

  it('lists entries newest first, by when they happened', async () => {
    const body = await list({ filter: { occurredBefore: at(30) } });
    expect(body.errors).toBeUndefined();
    expect(ids(body)).toEqual([4, 3, 2, 1, 0, 5].map((index) => recorded[index]!.id));
    expect(body.data?.auditLogs.edges[2]?.node).toEqual({
      id: recorded[2]!.id,
      action: 'authz.role.assigned',
      outcome: 'SUCCESS',
      occurredAt: at(3),
      actor: { id: bob },
      target: { type: 'user', id: targetUser },
      requestId: recorded[2]!.requestId,
    });
    expect(body.data?.auditLogs.edges[5]?.node.actor).toBeNull();
  });

  it('pages through the log with cursors, without skipping or repeating an entry', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const body = await list({ filter: { occurredBefore: at(30) }, first: 4, after });
      const page = body.data!.auditLogs;
      seen.push(...page.edges.map((edge) => edge.node.id));
      pages += 1;
      // Recorded meanwhile, newer than everything: never shifts the next page.
      await audit.subgraph.exposed.record(cloudEvent({ time: at(59) }));
      if (!page.pageInfo.hasNextPage) {
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
        break;
      }
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual([4, 3, 2, 1, 0, 5].map((index) => recorded[index]!.id));
  });

  it('filters by actor, action, target, outcome and time, all together', async () => {
    expect(ids(await list({ filter: { actorId: ada.toUpperCase() } }))).toEqual([recorded[1]!.id, recorded[0]!.id]);
    expect(ids(await list({ filter: { action: 'auth.login.failed' } }))).toEqual([recorded[1]!.id]);
    expect(ids(await list({ filter: { targetType: 'user', targetId: targetUser } }))).toEqual([recorded[2]!.id]);
    expect(ids(await list({ filter: { outcome: 'DENIED' } }))).toEqual([recorded[4]!.id]);
    expect(ids(await list({ filter: { occurredAfter: at(2), occurredBefore: at(4) } }))).toEqual([
      recorded[2]!.id,
      recorded[1]!.id,
    ]);
    expect(ids(await list({ filter: { actorId: bob, outcome: 'SUCCESS', occurredAfter: at(3) } }))).toEqual([
      recorded[3]!.id,
      recorded[2]!.id,
    ]);
    expect(ids(await list({ filter: { actorId: randomUUID() } }))).toEqual([]);
  });

  it('refuses a page size outside 1 to 100, a cursor it did not issue and an actor that is not a UUID', async () => {
    for (const first of [0, 101, -1]) {
      const body = await list({ first });
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.fields).toEqual({ first: 'must be between 1 and 100' });
    }
    const forged = Buffer.from('2026-02-30T00:00:00.000Z|1').toString('base64url');
    for (const after of ['nonsense', '', forged, `${encodeAuditCursor({ occurredAt: new Date(), seq: 1 })}=`]) {
      const body = await list({ after });
      expect(errorCode(body)).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.extensions?.fields).toEqual({ after: 'is not a valid cursor' });
    }
    const body = await list({ filter: { actorId: 'ada' } });
    expect(body.errors?.[0]?.extensions?.fields).toEqual({ 'filter.actorId': 'must be a UUID' });
  });

  it("shows an entry's request details and its metadata as JSON text", async () => {
    const { event } = await audit.subgraph.exposed.record(
      cloudEvent({
        data: { ip: '198.51.100.1', userAgent: 'curl/8', traceId: 'trace-1', b: 2, a: { token: 'x', c: 1 } },
      }),
    );
    const { body } = await audit.graphql<{ _entities: Record<string, unknown>[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on AuditEvent { id action sourceIp userAgent traceId metadata }
        }
      }`,
      { representations: [{ __typename: 'AuditEvent', id: event.id }] },
      reader(),
    );
    expect(body.data?._entities[0]).toEqual({
      id: event.id,
      action: 'identity.user.registered',
      sourceIp: '198.51.100.1',
      userAgent: 'curl/8',
      traceId: 'trace-1',
      metadata: '{"a":{"c":1},"b":2}',
    });
  });

  it('resolves AuditEvent references in one batch, null for unknown or malformed ids', async () => {
    const { body } = await audit.graphql<{ _entities: ({ id: string; action: string } | null)[] }>(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on AuditEvent { id action } } }`,
      {
        representations: [
          { __typename: 'AuditEvent', id: recorded[0]!.id.toUpperCase() },
          { __typename: 'AuditEvent', id: randomUUID() },
          { __typename: 'AuditEvent', id: 'not-a-uuid' },
          { __typename: 'AuditEvent', id: recorded[1]!.id },
        ],
      },
      reader(),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities).toEqual([
      { id: recorded[0]!.id, action: 'identity.user.registered' },
      null,
      null,
      { id: recorded[1]!.id, action: 'auth.login.failed' },
    ]);
  });

  describe('inside the subgraph, behind the gateway', () => {
    const others = (permission: string) => administrator().permissions.filter((code) => code !== permission);

    it('refuses auditLogs with FORBIDDEN without audit.log.read', async () => {
      const body = await list({}, signedIn(randomUUID(), others(Permission.AuditLogRead)));
      expect(errorCode(body)).toBe('FORBIDDEN');
      expect(body.errors?.[0]?.message).toBe('You need the audit.log.read permission to do this');
    });

    it('refuses verifyAuditChain with FORBIDDEN without audit.log.verify', async () => {
      const { body } = await audit.graphql(
        VERIFY_AUDIT_CHAIN,
        {},
        signedIn(randomUUID(), others(Permission.AuditLogVerify)),
      );
      expect(errorCode(body)).toBe('FORBIDDEN');
    });

    it('refuses AuditEvent references with FORBIDDEN without audit.log.read', async () => {
      const { body } = await audit.graphql(
        `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on AuditEvent { id } } }`,
        { representations: [{ __typename: 'AuditEvent', id: recorded[0]!.id }] },
        signedIn(randomUUID(), others(Permission.AuditLogRead)),
      );
      expect(errorCode(body)).toBe('FORBIDDEN');
    });

    it('refuses every query with UNAUTHENTICATED for an anonymous caller', async () => {
      expect(errorCode(await list({}, anonymous))).toBe('UNAUTHENTICATED');
      expect(errorCode((await audit.graphql(VERIFY_AUDIT_CHAIN, {}, anonymous)).body)).toBe('UNAUTHENTICATED');
    });

    it('serves each query when the proof carries exactly its permission', async () => {
      expect((await list({}, signedIn(randomUUID(), [Permission.AuditLogRead]))).errors).toBeUndefined();
      const { body } = await audit.graphql(VERIFY_AUDIT_CHAIN, {}, signedIn(randomUUID(), [Permission.AuditLogVerify]));
      expect(body).toMatchObject({ data: { verifyAuditChain: { valid: true, firstBrokenId: null } } });
    });

    it('refuses a request without a gateway proof with 401', async () => {
      const response = await postGraphQL(audit.url, { query: VERIFY_AUDIT_CHAIN });
      expect(response.status).toBe(401);
    });
  });

  it('reports ready when the database answers', async () => {
    const response = await fetch(`${audit.url}/readyz`);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: true } });
  });
});
