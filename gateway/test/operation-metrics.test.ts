/**
 * Operation names are chosen by clients, so the gateway's `/metrics` labels operations only by
 * the names of the client contract (`supergraph/operations`): 300 requests with made-up names
 * add no series per name.
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
  const text = await (await fetch(`${harness.gatewayUrl}/metrics`)).text();
  return text.split('\n').filter((line) => /^graphql_operation(s_total|_duration_seconds)/.test(line));
}

const query = (body: string) =>
  fetch(`${harness.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: body }),
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
