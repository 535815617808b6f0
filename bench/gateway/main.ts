/**
 * Runs the gateway benchmark directly (`npm run bench -- gateway` does the same):
 *
 *   npx tsx bench/gateway/main.ts [--duration 30] [--workers N] [--gateways stock,hive,ours] [--concurrency 50] [--rounds 1]
 *   npx tsx bench/gateway/main.ts --write-expected   # rewrites expected-response.json from the stock gateway
 *
 * `--write-expected` is for when the workload itself changes: check the new file by hand
 * (complete, no errors, about 87 KB compact) before keeping it.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { composeBenchSupergraph } from '../subgraphs/compose.js';
import { startBenchSubgraphs } from '../subgraphs/start.js';
import { startStockGateway } from './gateways/stock.js';
import { benchGateway, parseGatewayList } from './run.js';
import { EXPECTED_RESPONSE_FILE, postGraphQL, readTestQueryBody } from './workload.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    workers: { type: 'string' },
    gateways: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    'write-expected': { type: 'boolean' },
  },
});

async function writeExpectedResponse(): Promise<void> {
  const testQueryBody = await readTestQueryBody();
  const subgraphs = await startBenchSubgraphs();
  const gateway = await startStockGateway(composeBenchSupergraph(subgraphs.urls), 0);
  try {
    const response = await postGraphQL(gateway.url, testQueryBody);
    const json = response.json as { data?: unknown; errors?: unknown } | null;
    if (response.status !== 200 || !json?.data || json.errors) {
      throw new Error(`not writing a failed response: HTTP ${response.status} ${response.text.slice(0, 1000)}`);
    }
    await writeFile(EXPECTED_RESPONSE_FILE, `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(
      `wrote ${EXPECTED_RESPONSE_FILE} (${Buffer.byteLength(JSON.stringify(json))} bytes compact)\n`,
    );
  } finally {
    await gateway.stop();
    await subgraphs.stop();
  }
}

if (values['write-expected']) {
  await writeExpectedResponse();
} else {
  await benchGateway({
    durationSeconds: Number(values.duration ?? 30),
    workers: Number(values.workers ?? availableParallelism()),
    gateways: parseGatewayList(values.gateways),
    concurrency: Number(values.concurrency ?? 50),
    rounds: Number(values.rounds ?? 1),
  });
}
process.exit(0);
