/**
 * The command line of a local server the project fetches from Maven Central and runs itself
 * (Kafka, OpenSearch): `fetch [--version]` puts it in .cache, `start [--port] [--data-dir]
 * [--version]` runs it in the foreground until Ctrl-C. Each server's cli.ts says only what
 * differs: its name, defaults, how to fetch and start it, and what to print once it runs.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runService, type Stoppable } from '@platform/service-kit';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerCli<TServer extends Stoppable> {
  /** `kafka`, `opensearch`: the prefix of every message, and the data folder under .data/. */
  name: string;
  /** Human name of one running instance in messages: `broker`, `node`. */
  instance: string;
  /** What the server is called on Maven Central, for the usage text. */
  product: string;
  defaultVersion: string;
  defaultPort: number;
  /** What --port is, for the usage text. */
  portMeaning: string;
  /** What the data folder holds, for the usage text. */
  dataMeaning: string;
  /** Its log file inside the data folder. */
  logFile: string;
  /** How long a graceful stop may take. */
  shutdownTimeoutMs: number;
  fetch(version: string): Promise<string>;
  start(options: {
    port: number;
    dataDir: string;
    version: string;
    onUnexpectedExit: (code: number | null, signal: NodeJS.Signals | null) => void;
  }): Promise<TServer>;
  /** The lines printed once it runs (after `<name> <version>`); `logPath` is its log file's path. */
  describe(server: TServer, logPath: string): string;
}

export function runServerCli<TServer extends Stoppable>(cli: ServerCli<TServer>): void {
  const usage = `usage:
  ${cli.name} fetch [--version <version>]
  ${cli.name} start [--port <port>] [--data-dir <folder>] [--version <version>]

  --version   ${cli.product} version from Maven Central (default ${cli.defaultVersion})
  --port      ${cli.portMeaning} on 127.0.0.1 (default ${cli.defaultPort})
  --data-dir  where the ${cli.instance} keeps ${cli.dataMeaning} (default .data/${cli.name})`;

  const fail = (message: string): never => {
    process.stderr.write(`${cli.name}: ${message}\n\n${usage}\n`);
    process.exit(2);
  };

  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      version: { type: 'string', default: cli.defaultVersion },
      port: { type: 'string', default: String(cli.defaultPort) },
      'data-dir': { type: 'string', default: path.join(repoRoot, '.data', cli.name) },
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
    cli.fetch(values.version).then(
      (where) => process.stdout.write(`${cli.name} ${values.version} in ${where} (${Date.now() - started} ms)\n`),
      (error: unknown) => {
        process.stderr.write(`${cli.name}: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  } else if (command === 'start') {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) fail(`--port must be a TCP port, got ${values.port}`);
    const dataDir = path.resolve(values['data-dir']);
    const logPath = path.join(dataDir, cli.logFile);
    runService(
      cli.name,
      async () => {
        const server = await cli.start({
          port,
          dataDir,
          version: values.version,
          onUnexpectedExit: (code, signal) => {
            process.stderr.write(
              `${cli.name}: the ${cli.instance} exited on its own (${signal ?? `code ${code}`}); see ${logPath}\n`,
            );
            process.exit(1);
          },
        });
        process.stdout.write(`${cli.name} ${values.version} ${cli.describe(server, logPath)}\n`);
        return server;
      },
      cli.shutdownTimeoutMs,
    );
  } else {
    fail(command ? `unknown command: ${command}` : 'missing command');
  }
}
