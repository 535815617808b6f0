/**
 * A denial event always fits its catalog schema, however large the request that was denied:
 * a long User-Agent is cut to the schema's limit and the denied fields to its first 100, with
 * the full count kept and each cut counted.
 */
import { createLogger } from '@platform/service-kit';
import { loadEventCatalog, type EventCatalog, type OutgoingMessage } from '@platform/service-kit/events';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { AuthorizationDenial } from '../src/authorization-enforcement.js';
import { createDenialPublisher } from '../src/denial-events.js';

const catalog: EventCatalog = loadEventCatalog();

function publisher() {
  const published: OutgoingMessage[] = [];
  const registry = new Registry();
  const publish = createDenialPublisher({
    transport: {
      publish: async (messages) => {
        published.push(...messages);
      },
    },
    requirements: () => null,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
    registry,
  });
  return { publish, published, registry };
}

const denial = (overrides: Partial<AuthorizationDenial>): AuthorizationDenial => ({
  requestId: 'req-1',
  userId: '0b1e6f7c-3c55-4d8e-9b1a-4f6a2d0c9e11',
  operationName: 'Roles',
  operationType: 'query',
  operationHash: 'a'.repeat(64),
  client: { ip: '127.0.0.1', userAgent: 'test' },
  mode: 'filter',
  removed: [{ path: ['roles'], coordinate: 'Query.roles' }],
  ...overrides,
});

describe('authorization denial events', () => {
  it('cuts a 600-character User-Agent and 150 denied fields to an event the catalog accepts', async () => {
    const { publish, published, registry } = publisher();
    const removed = Array.from({ length: 150 }, (_, index) => ({ path: [`r${index}`], coordinate: 'Query.roles' }));
    publish(denial({ client: { ip: '127.0.0.1', userAgent: 'x'.repeat(600) }, removed }));
    await Promise.resolve();

    expect(published).toHaveLength(1);
    const event = JSON.parse(published[0]!.value) as unknown;
    catalog.validateEvent(event);
    if (event.type !== 'platform.gateway.authorization.denied.v1') throw new Error(`unexpected ${event.type}`);
    const { data } = event;
    if (data.context.userAgent === null) throw new Error('the User-Agent was dropped');
    expect(Array.from(data.context.userAgent)).toHaveLength(512);
    expect(data.context.userAgent.endsWith('…')).toBe(true);
    expect(data.deniedFields).toHaveLength(100);
    expect(data.deniedFields[99]!.path).toBe('r99');
    expect(data.deniedFieldCount).toBe(150);

    const metrics = await registry.metrics();
    expect(metrics).toContain('gateway_denial_events_truncated_total{field="userAgent"} 1');
    expect(metrics).toContain('gateway_denial_events_truncated_total{field="deniedFields"} 1');
    expect(metrics).toContain('gateway_denial_events_failed_total 0');
  });

  it('cuts every client-chosen string: request id, address, operation name and paths', async () => {
    const { publish, published } = publisher();
    publish(
      denial({
        requestId: 'r'.repeat(300),
        client: { ip: '1'.repeat(100), userAgent: null },
        operationName: 'O'.repeat(300),
        removed: [{ path: Array.from({ length: 200 }, () => 'field'), coordinate: 'Query.roles' }],
      }),
    );
    await Promise.resolve();

    expect(published).toHaveLength(1);
    catalog.validateEvent(JSON.parse(published[0]!.value));
  });

  it('leaves an ordinary denial as it was, with its count', async () => {
    const { publish, published, registry } = publisher();
    publish(denial({}));
    await Promise.resolve();

    const event = JSON.parse(published[0]!.value) as { data: Record<string, unknown> };
    catalog.validateEvent(event);
    expect(event.data).toMatchObject({
      context: { requestId: 'req-1', traceId: null, ip: '127.0.0.1', userAgent: 'test' },
      operationName: 'Roles',
      deniedFields: [{ path: 'roles', coordinate: 'Query.roles', requirement: 'authenticated' }],
      deniedFieldCount: 1,
    });
    expect(await registry.metrics()).not.toContain('gateway_denial_events_truncated_total{');
  });
});
