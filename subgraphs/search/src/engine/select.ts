/** The engine a search service runs on: OpenSearch when `OPENSEARCH_URL` is set, Postgres otherwise. */
import type { Database, Logger } from '@platform/service-kit';
import { createOpenSearchEngine } from './opensearch.js';
import type { SearchEngine } from './port.js';
import { createPostgresEngine } from './postgres.js';

export function createEngine(
  config: { OPENSEARCH_URL?: string | undefined; OPENSEARCH_INDEX: string },
  db: Database,
  logger: Logger,
): SearchEngine {
  return config.OPENSEARCH_URL
    ? createOpenSearchEngine({ url: config.OPENSEARCH_URL, alias: config.OPENSEARCH_INDEX, db, logger })
    : createPostgresEngine(db);
}
