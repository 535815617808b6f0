/**
 * `npm run search:reindex`: rebuilds the search index from scratch out of listings' snapshots
 * (see `src/reindex.ts`), with the search service's own variables (docs/configuration.md):
 * DATABASE_URL, LISTINGS_INTERNAL_URL and LISTINGS_INTERNAL_CREDENTIAL, and OPENSEARCH_URL
 * when the service runs on OpenSearch. Safe while the service runs and events arrive; running
 * it twice changes nothing the second time. Prints what it did as one JSON line.
 */
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  createDatabase,
  createInternalClient,
  createLogger,
  internalCallVariables,
  loadSubgraphConfig,
  migrateToLatest,
} from '@platform/service-kit';
import { createEngine } from '../engine/select.js';
import { reindexFromListings } from '../reindex.js';
import { searchSubgraph } from '../subgraph.js';

try {
  const config = loadSubgraphConfig(searchSubgraph);
  // The call to listings is optional for the service, so its variables are typed loosely.
  const variables = internalCallVariables('listings');
  const calls = config as unknown as Record<string, string | undefined>;
  const listingsUrl = calls[variables.url];
  const credential = calls[variables.credential];
  if (!listingsUrl || !credential) {
    throw new ConfigError([
      "search:reindex needs LISTINGS_INTERNAL_URL and LISTINGS_INTERNAL_CREDENTIAL (the search service's call to listings)",
    ]);
  }
  const db = createDatabase({ url: config.DATABASE_URL, applicationName: 'search-reindex', poolMax: 2 });
  const logger = createLogger({ service: 'search-reindex', level: config.LOG_LEVEL });
  const engine = createEngine(config, db, logger);
  try {
    await migrateToLatest(db, fileURLToPath(searchSubgraph.migrations));
    await engine.ready();
    const started = performance.now();
    const listings = createInternalClient({
      baseUrl: listingsUrl,
      credential,
      timeoutMs: 30_000,
      caller: 'search',
    });
    const report = await reindexFromListings(engine, listings);
    process.stdout.write(
      `${JSON.stringify({ engine: engine.name, ...report, ms: Math.round(performance.now() - started) })}\n`,
    );
  } finally {
    await engine.close();
    await db.destroy();
  }
} catch (error) {
  process.stderr.write(
    error instanceof ConfigError ? `${error.message}\n` : `search:reindex failed: ${(error as Error).message}\n`,
  );
  process.exit(1);
}
