/**
 * `npm run bench -- search`: both search engines side by side on the same `--events` generated
 * events (default 100,000; the search tests' seeded generator), each loaded through the engine's
 * own rebuild (`loadCorpus`, not 100,000 events on the bus): Postgres in a fresh database of the
 * embedded Postgres `npm start` runs (staged, then swapped in), OpenSearch on a real node
 * (`@platform/devkit/opensearch`, 512 MB heap; bulk requests into a fresh index, then the alias
 * swap). Then `--rounds` sequential calls each (default 200, after 20 warm-up ones), in-process
 * without HTTP: a text + date range + facets search, the same with misspelt words, and
 * suggestions; p50/p95/max.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startOpenSearch } from '@platform/devkit/opensearch';
import { startEmbeddedPostgres } from '@platform/devkit/postgres';
import {
  createDatabase,
  databaseUrlFor,
  ensureDatabaseExists,
  createLogger,
  freePort,
  migrateToLatest,
} from '@platform/service-kit';
import { repositoryRoot } from '../supergraph/src/platform/launch.js';
import type { SearchRequest } from '../subgraphs/search/src/domain/request.js';
import { createOpenSearchEngine } from '../subgraphs/search/src/engine/opensearch.js';
import type { IndexedEvent, RebuildReport, SearchEngine } from '../subgraphs/search/src/engine/port.js';
import { createPostgresEngine } from '../subgraphs/search/src/engine/postgres.js';
import { generateCorpus } from '../subgraphs/search/test/corpus.js';
import { percentile } from './percentile.js';
import { machine, writeBenchReport } from './platform.js';

/** Events per page handed to an engine's rebuild (as the reindex reads listings, a page at a time). */
const PAGE = 2_000;
const DAY = 24 * 3600 * 1000;

async function timed(rounds: number, call: () => Promise<unknown>) {
  for (let index = 0; index < 20; index++) await call();
  const times: number[] = [];
  for (let index = 0; index < rounds; index++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  const round = (value: number) => Math.round(value * 10) / 10;
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), max: round(sorted.at(-1)!) };
}

/**
 * Loads `events` into `engine` through the engine's own rebuild, a page at a time: the one way
 * the benchmark fills either engine, so it indexes exactly what a reindex would.
 */
export async function loadCorpus(engine: SearchEngine, events: readonly IndexedEvent[]): Promise<RebuildReport> {
  async function* pages(): AsyncGenerator<IndexedEvent[]> {
    for (let start = 0; start < events.length; start += PAGE) yield events.slice(start, start + PAGE);
  }
  await engine.ready();
  return engine.rebuild(pages());
}

export async function benchSearch(options: { rounds: number; events: number }): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-search-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  await ensureDatabaseExists(server.adminUrl, 'bench_search');
  const db = createDatabase({ url: databaseUrlFor(server.adminUrl, 'bench_search'), applicationName: 'bench-search' });
  try {
    await migrateToLatest(db, path.join(repositoryRoot, 'migrations/search'));
    const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
    const corpus = generateCorpus(options.events, 20261129, today);
    const loading = performance.now();
    const postgresEngine = createPostgresEngine(db);
    const loaded = await loadCorpus(postgresEngine, corpus.events);
    // Fresh statistics, as autovacuum would gather them a while after a reindex: the planner needs them.
    await db.raw('vacuum analyze search_events');
    await db.raw('vacuum analyze search_words');
    const loadSeconds = Math.round((performance.now() - loading) / 100) / 10;
    process.stdout.write(`postgres: indexed ${loaded.read} events in ${loadSeconds} s\n`);

    const request = (text: string): SearchRequest => ({
      words: text.split(' '),
      from: new Date(today.getTime() + 30 * DAY),
      to: new Date(today.getTime() + 120 * DAY),
      categories: null,
      near: null,
      drafts: { kind: 'none' },
      first: 20,
      after: null,
      now: new Date(),
    });
    const measure = async (engine: SearchEngine) => ({
      sampleTotalCount: (await engine.search(request('jazz festival'))).totalCount,
      'search "jazz festival", 90 days, facets': await timed(options.rounds, () =>
        engine.search(request('jazz festival')),
      ),
      'search "jaz festval" (typos), 90 days, facets': await timed(options.rounds, () =>
        engine.search(request('jaz festval')),
      ),
      'suggest "summer ja"': await timed(options.rounds, () => engine.suggest('summer ja', 5, new Date())),
      'suggest "c"': await timed(options.rounds, () => engine.suggest('c', 5, new Date())),
    });
    const loadBefore = loadavg()[0]!.toFixed(1);
    const postgres = { loadSeconds, ...(await measure(postgresEngine)) };
    process.stdout.write(`postgres: ${JSON.stringify(postgres)}\n`);

    // Full JIT (C2), as a deployment runs; the tests' node compiles with C1 only to start sooner.
    const node = await startOpenSearch({ dataDir: path.join(dataDir, 'opensearch'), quickStart: false });
    let opensearch: Record<string, unknown>;
    try {
      const engine = createOpenSearchEngine({
        url: node.url,
        alias: 'bench-search-events',
        db,
        logger: createLogger({ service: 'bench-search', level: 'warn' }),
      });
      const loading = performance.now();
      const rebuilt = await loadCorpus(engine, corpus.events);
      const indexSeconds = Math.round((performance.now() - loading) / 100) / 10;
      process.stdout.write(`opensearch: indexed ${rebuilt.read} events in ${indexSeconds} s\n`);
      opensearch = { nodeStartMs: node.startedInMs, loadSeconds: indexSeconds, ...(await measure(engine)) };
      await engine.close();
    } finally {
      await node.stop();
    }
    const report = {
      machine: machine(),
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg()[0]!.toFixed(1),
      events: options.events,
      rounds: options.rounds,
      postgres,
      opensearch,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    await writeBenchReport('search', report);
  } finally {
    await db.destroy();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
