/**
 * Operation names are chosen by clients, so the gateway's `/metrics` labels operations only by
 * the names of the client contract (`supergraph/operations`): 300 requests with made-up names
 * add no series per name. And they are read on a port of their own, never the public one.
 */
import { operationLabel } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './subscriptions/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

/** The lines of `/metrics` that are series of the operation metrics. */
async function operationSeries(): Promise<string[]> {
  const text = await (await fetch(harness.metricsUrl)).text();
  return text.split('\n').filter((line) => /^graphql_operation(s_total|_duration_seconds)/.test(line));
}

const query = (body: string) =>
  fetch(`${harness.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: body }),
  });

describe('the metrics endpoint', () => {
  it('is not on the public port, only on its own (METRICS_PORT)', async () => {
    const publicPort = await fetch(`${harness.gatewayUrl}/metrics`);
    expect(publicPort.status).toBe(404);
    expect(await publicPort.text()).not.toMatch(/graphql_operations_total|process_cpu/);

    expect(new URL(harness.metricsUrl).port).not.toBe(new URL(harness.gatewayUrl).port);
    const own = await fetch(harness.metricsUrl);
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await own.text()).toMatch(/^# HELP /m);
  });
});

describe('operation metrics', () => {
  it('labels 300 operations with unique names as one `other` series', async () => {
    await query('query Warmup { user(id: "u1") { name } }');
    const before = await operationSeries();
    for (let index = 0; index < 300; index += 1) {
      const response = await query(`query Unique${index}x${Date.now()} { user(id: "u1") { name } }`);
      expect(response.status).toBe(200);
    }
    const after = await operationSeries();

    expect(after.length).toBe(before.length);
    expect(after.filter((line) => line.includes('Unique'))).toEqual([]);
    expect(after).toContainEqual(
      expect.stringMatching(/^graphql_operations_total\{[^}]*operation="other"[^}]*\} 301$/),
    );
  });

  it('keeps the names of the client contract, and names an unnamed operation anonymous', () => {
    expect(operationLabel('AuditLogs')).toBe('AuditLogs');
    expect(operationLabel('Roles__authz__0')).toBe('Roles');
    expect(operationLabel('Invented__authz__0')).toBe('other');
    expect(operationLabel('Invented')).toBe('other');
    expect(operationLabel(null)).toBe('anonymous');
  });
});
