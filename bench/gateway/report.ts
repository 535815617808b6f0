/** The gateway benchmark's results as markdown: one row per gateway, then the ratios. */
import type { GatewayBenchReport, Ratio } from './run.js';

const cell = (value: number | null | undefined, suffix = '') =>
  value === null || value === undefined ? 'n/a' : `${value}${suffix}`;

export function renderReport(report: GatewayBenchReport): string {
  const { settings, machine, direct } = report;
  const lines = [
    `TestQuery (${Math.round(settings.testQueryResponseBytes / 1000)} KB response), ${settings.concurrency} concurrent clients, ${settings.durationSeconds} s after ${settings.warmupSeconds} s warm-up, ${settings.workers} workers per gateway${settings.rounds > 1 ? `, median of ${settings.rounds} rounds` : ''}; ${machine.availableParallelism} cores (${machine.cpu}), Node ${machine.node}`,
    '',
    '| gateway | RPS | p50 ms | p95 ms | p99 ms | errors | non-200 | req per CPU-s | peak RSS MB | CPU avg % | CPU peak % | subgraphs CPU % | machine busy % | subgraph fetches | 1-fetch RPS | 1-fetch p50 ms | 1-fetch RPS vs direct |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of settings.gateways) {
    const result = report.gateways[name];
    if (!result) continue;
    if (result.status === 'failed') {
      lines.push(`| ${name} | failed: ${result.reason.split('\n')[0]!.replaceAll('|', '\\|')} |`);
      continue;
    }
    const { testQuery: load, singleSubgraph: single } = result;
    const singleCells = single
      ? [single.requestsPerSecond, single.latencyMs.p50, `×${single.vsDirect.rpsRatio}`]
      : ['(dedup on)', '', ''];
    const fetches = Object.values(result.subgraphFetches).reduce((sum, count) => sum + count, 0);
    lines.push(
      `| ${[
        name,
        load.requestsPerSecond,
        load.latencyMs.p50,
        load.latencyMs.p95,
        load.latencyMs.p99,
        load.errors,
        load.non200,
        cell(load.requestsPerCpuSecond),
        cell(load.gateway?.peakRssMb),
        cell(load.gateway?.avgCpuPercent),
        cell(load.gateway?.peakCpuPercent),
        load.subgraphs.avgCpuPercent,
        load.machineCpuBusyPercent,
        fetches,
        ...singleCells,
      ].join(' | ')} |`,
    );
  }
  const straight = direct.singleSubgraph;
  lines.push(
    `| (direct to products) | | | | | ${straight.errors} | ${straight.non200} | | | | | ${straight.subgraphs.avgCpuPercent} | ${straight.machineCpuBusyPercent} | 1 | ${straight.requestsPerSecond} | ${straight.latencyMs.p50} | ×1 |`,
    '',
    `1-fetch: \`${settings.singleSubgraphQuery}\`, one fetch to products, measured with inbound deduplication off only; "vs direct" is the gateway's RPS over the subgraph's own.`,
    "req per CPU-s: RPS over the gateway's average cores in use, the figure least moved by other load on the machine. CPU: % of one core, summed over the gateway's processes (average over the run, and the busiest 250 ms); peak RSS: summed over them. Machine busy: all cores, anything running.",
    '',
  );
  if (settings.rounds > 1) {
    for (const name of settings.gateways) {
      const result = report.gateways[name];
      if (result?.status === 'ok') {
        lines.push(`${name}: TestQuery RPS by round ${result.rounds.testQueryRps.join(', ')} (median round shown)`);
      }
    }
    lines.push('');
  }
  for (const [name, ratio] of Object.entries(report.ratios)) lines.push(ratioLine(name, ratio));
  return `${lines.join('\n')}\n`;
}

function ratioLine(name: string, ratio: Ratio): string {
  if (ratio.rps === null) return `${name}: n/a (a gateway did not run or failed)`;
  return `${name}: RPS ×${ratio.rps}, requests per CPU-s ×${cell(ratio.requestsPerCpuSecond)}, p50 ×${cell(ratio.p50)}, p95 ×${cell(ratio.p95)}, p99 ×${cell(ratio.p99)}, peak RSS ×${cell(ratio.peakRss)}, 1-fetch RPS ×${cell(ratio.singleSubgraphRps)}`;
}
