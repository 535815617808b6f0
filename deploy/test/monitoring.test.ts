/**
 * The monitoring files (deploy/src/monitoring.ts): the alert rules pass `promtool check rules` and
 * their unit tests (`promtool test rules`: the paging alerts fire on the series the services
 * expose and stay quiet otherwise), and every dashboard and alert expression parses as PromQL
 * (that the committed dashboards are what the generator writes is manifests.test.ts's drift
 * check). That the
 * expressions' metric names exist on the running services is the e2e test's
 * (supergraph/test/e2e/ticketing-bookings.test.ts). promtool comes from Debian's `prometheus`
 * package (.ci/run installs it); without it these tests fail rather than skip.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { alertRules, monitoringExpressions } from '../src/monitoring.js';
import { selectedMetrics } from '../src/promql.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: path.join(root, 'deploy/monitoring') });
    return stdout + stderr;
  } catch (error) {
    const failure = error as { code?: string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error('promtool is not installed: apt-get install prometheus (Debian), as .ci/run does');
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

describe('the Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', 'alerts.yml')).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('fire as their promtool unit tests say', async () => {
    expect(await promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('cover what pages someone: errors, p99 latency, outbox age, consumer lag, dead letters, the audit chain', () => {
    const metrics = new Set(alertRules().flatMap((rule) => selectedMetrics(rule.expr).names));
    for (const name of [
      'graphql_errors_total',
      'graphql_operation_duration_seconds_bucket',
      'outbox_oldest_pending_age_seconds',
      'events_consumer_lag',
      'events_dead_letter_messages',
      'audit_chain_verifications_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});

describe('the dashboards and alert expressions', () => {
  it('all parse as PromQL and select at least one metric', () => {
    const problems = monitoringExpressions().flatMap(({ where, expr }) => {
      const { names, errors } = selectedMetrics(expr);
      return [...errors, ...(names.length === 0 ? ['selects no metric'] : [])].map((error) => `${where}: ${error}`);
    });
    expect(problems).toEqual([]);
  });
});
