/**
 * The local Kafka broker from the command line:
 *
 *   tsx devkit/src/kafka/cli.ts fetch [--version 4.3.1]
 *     fetches the broker jars into .cache/kafka/<version>/lib (CI runs this before the tests)
 *   tsx devkit/src/kafka/cli.ts start [--port 9092] [--data-dir .data/kafka] [--version 4.3.1]
 *     runs a broker in the foreground until Ctrl-C; data survives restarts
 */
import { runServerCli } from '../server-cli.js';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, startKafkaBroker } from './broker.js';

runServerCli({
  name: 'kafka',
  instance: 'broker',
  product: 'Kafka',
  defaultVersion: DEFAULT_KAFKA_VERSION,
  defaultPort: 9092,
  portMeaning: 'PLAINTEXT port',
  dataMeaning: 'its data and broker.log',
  logFile: 'broker.log',
  // A graceful broker shutdown flushes and closes every log; give it time.
  shutdownTimeoutMs: 40_000,
  fetch: (version) => ensureKafkaJars({ version }),
  start: (options) => startKafkaBroker(options),
  describe: (broker, logPath) =>
    `accepting clients on ${broker.brokers.join(',')}\n` +
    `  data in ${broker.dataDir}, broker log in ${logPath}\n` +
    `  Ctrl-C stops it`,
});
