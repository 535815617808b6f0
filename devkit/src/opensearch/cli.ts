/**
 * The local OpenSearch node from the command line:
 *
 *   tsx devkit/src/opensearch/cli.ts fetch [--version 2.19.6]
 *     fetches the distribution into .cache/opensearch/<version> (CI runs this before the tests)
 *   tsx devkit/src/opensearch/cli.ts start [--port 9200] [--data-dir .data/opensearch] [--version 2.19.6]
 *     runs a node in the foreground until Ctrl-C; data survives restarts
 */
import { runServerCli } from '../server-cli.js';
import { DEFAULT_OPENSEARCH_VERSION, ensureOpenSearch, startOpenSearch } from './node.js';

runServerCli({
  name: 'opensearch',
  instance: 'node',
  product: 'OpenSearch',
  defaultVersion: DEFAULT_OPENSEARCH_VERSION,
  defaultPort: 9200,
  portMeaning: 'HTTP port',
  dataMeaning: 'its data, configuration and node.log',
  logFile: 'node.log',
  shutdownTimeoutMs: 25_000,
  fetch: (version) => ensureOpenSearch({ version }),
  start: (options) => startOpenSearch(options),
  describe: (node, logPath) =>
    `on ${node.url} (started in ${node.startedInMs} ms)\n` +
    `  data in ${node.dataDir}, node log in ${logPath}\n` +
    `  OPENSEARCH_URL=${node.url} npm start   uses it for search; Ctrl-C stops it`,
});
