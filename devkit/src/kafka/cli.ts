/**
 * The local Kafka broker from the command line:
 *
 *   tsx devkit/src/kafka/cli.ts fetch [--version 4.3.1]
 *     fetches the broker jars into .cache/kafka/<version>/lib (CI runs this before the tests)
 *   tsx devkit/src/kafka/cli.ts start [--port 9092] [--data-dir .data/kafka] [--version 4.3.1]
 *     runs a broker in the foreground until Ctrl-C; data survives restarts
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runService } from '@platform/service-kit';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, startKafkaBroker } from './broker.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const usage = `usage:
  kafka fetch [--version <version>]
  kafka start [--port <port>] [--data-dir <folder>] [--version <version>]

  --version   Kafka version from Maven Central (default ${DEFAULT_KAFKA_VERSION})
  --port      PLAINTEXT port on 127.0.0.1 (default 9092)
  --data-dir  where the broker keeps its data and broker.log (default .data/kafka)`;

function fail(message: string): never {
  process.stderr.write(`kafka: ${message}\n\n${usage}\n`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    version: { type: 'string', default: DEFAULT_KAFKA_VERSION },
    port: { type: 'string', default: '9092' },
    'data-dir': { type: 'string', default: path.join(repoRoot, '.data', 'kafka') },
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
  ensureKafkaJars({ version: values.version }).then(
    (libDir) => process.stdout.write(`kafka ${values.version} jars in ${libDir} (${Date.now() - started} ms)\n`),
    (error: unknown) => {
      process.stderr.write(`kafka: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
} else if (command === 'start') {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail(`--port must be a TCP port, got ${values.port}`);
  const dataDir = path.resolve(values['data-dir']);
  runService(
    'kafka',
    async () => {
      const broker = await startKafkaBroker({
        port,
        dataDir,
        version: values.version,
        onUnexpectedExit: (code, signal) => {
          process.stderr.write(
            `kafka: the broker exited on its own (${signal ?? `code ${code}`}); see ${path.join(dataDir, 'broker.log')}\n`,
          );
          process.exit(1);
        },
      });
      process.stdout.write(
        `kafka ${values.version} accepting clients on ${broker.brokers.join(',')}\n` +
          `  data in ${broker.dataDir}, broker log in ${path.join(broker.dataDir, 'broker.log')}\n` +
          `  Ctrl-C stops it\n`,
      );
      return broker;
    },
    // A graceful broker shutdown flushes and closes every log; give it time.
    40_000,
  );
} else {
  fail(command ? `unknown command: ${command}` : 'missing command');
}
