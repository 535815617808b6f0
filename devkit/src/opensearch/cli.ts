/**
 * The local OpenSearch node from the command line:
 *
 *   tsx devkit/src/opensearch/cli.ts fetch [--version 2.19.6]
 *     fetches the distribution into .cache/opensearch/<version> (CI runs this before the tests)
 *   tsx devkit/src/opensearch/cli.ts start [--port 9200] [--data-dir .data/opensearch] [--version 2.19.6]
 *     runs a node in the foreground until Ctrl-C; data survives restarts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runService } from '@platform/service-kit';
import { DEFAULT_OPENSEARCH_VERSION, ensureOpenSearch, startOpenSearch } from './node.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const usage = `usage:
  opensearch fetch [--version <version>]
  opensearch start [--port <port>] [--data-dir <folder>] [--version <version>]

  --version   OpenSearch version from Maven Central (default ${DEFAULT_OPENSEARCH_VERSION})
  --port      HTTP port on 127.0.0.1 (default 9200)
  --data-dir  where the node keeps its data, configuration and node.log (default .data/opensearch)`;

function fail(message: string): never {
  process.stderr.write(`opensearch: ${message}\n\n${usage}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    version: { type: 'string', default: DEFAULT_OPENSEARCH_VERSION },
    port: { type: 'string', default: '9200' },
    'data-dir': { type: 'string', default: path.join(repoRoot, '.data', 'opensearch') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const [command, ...extra] = positionals;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (extra.length > 0) fail(`unexpected arguments: ${extra.join(' ')}`);

if (command === 'fetch') {
  const started = Date.now();
  ensureOpenSearch({ version: values.version }).then(
    (home) => process.stdout.write(`opensearch ${values.version} in ${home} (${Date.now() - started} ms)\n`),
    (error: unknown) => {
      process.stderr.write(`opensearch: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
} else if (command === 'start') {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail(`--port must be a TCP port, got ${values.port}`);
  const dataDir = path.resolve(values['data-dir']);
  runService(
    'opensearch',
    async () => {
      const node = await startOpenSearch({
        port,
        dataDir,
        version: values.version,
        onUnexpectedExit: (code, signal) => {
          process.stderr.write(
            `opensearch: the node exited on its own (${signal ?? `code ${code}`}); see ${path.join(dataDir, 'node.log')}\n`,
          );
          process.exit(1);
        },
      });
      process.stdout.write(
        `opensearch ${values.version} on ${node.url} (started in ${node.startedInMs} ms)\n` +
          `  data in ${node.dataDir}, node log in ${path.join(node.dataDir, 'node.log')}\n` +
          `  OPENSEARCH_URL=${node.url} npm start   uses it for search; Ctrl-C stops it\n`,
      );
      return node;
    },
    25_000,
  );
} else {
  fail(command ? `unknown command: ${command}` : 'missing command');
}
