/**
 * Postgres access through knex. Each subgraph has its own database and its own
 * migrations folder (`migrations/<subgraph>/`); nothing here ever points one service
 * at another's database.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { traceQueries } from './telemetry/instrument.js';
import { serviceTracer } from './telemetry/spans.js';
import type { Logger } from './logger.js';
import { retryAtStart } from './startup.js';

export type Database = Knex;

// Return BIGINT counts as numbers and timestamps as Date (pg's default); ids are uuid text.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));
// A `date` is a calendar day: keep it `YYYY-MM-DD` instead of pg's Date at local midnight,
// which shifts a day in any zone west of UTC. `numeric` stays a string (pg's default): exact.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export interface DatabaseOptions {
  url: string;
  poolMax?: number;
  /** Name shown in `pg_stat_activity`, so operators can tell services apart. */
  applicationName: string;
}

export function createDatabase(options: DatabaseOptions): Database {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString: options.url, application_name: options.applicationName },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
  // A span per query made while a request, an event or a job is traced.
  traceQueries(db, serviceTracer(options.applicationName), databaseNameOf(options.url));
  return db;
}

function databaseNameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

/** `.ts` in the repository; `.js` as compiled into a container image (deploy/src/bundle.ts). */
const MIGRATION_FILE = /^\d{14}_[a-z0-9_]+\.(ts|js)$/;

/**
 * Loads migrations from a folder of timestamp-named `.ts` (or compiled `.js`) files, each
 * exporting `up` and `down`. We list and import them ourselves so the same migrations run
 * under tsx, vitest and plain node.
 */
class FolderMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly folder: string) {}
  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.folder);
    return files.filter((file) => MIGRATION_FILE.test(file)).sort();
  }
  getMigrationName(migration: string): string {
    // Recorded under the source's name: a database migrated from the repository and one
    // migrated by an image share one history.
    return migration.replace(/\.js$/, '.ts');
  }
  async getMigration(migration: string): Promise<Knex.Migration> {
    return (await import(pathToFileURL(path.join(this.folder, migration)).href)) as Knex.Migration;
  }
}

/** Applies pending migrations; returns the names applied. Safe to run on every start. */
export async function migrateToLatest(db: Database, folder: string): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({
    migrationSource: new FolderMigrationSource(folder),
    tableName: 'knex_migrations',
  })) as [number, string[]];
  return applied;
}

/** The database's schema is behind the code: migrations the image carries have not been applied. */
export class PendingMigrationsError extends Error {
  override readonly name = 'PendingMigrationsError';
  constructor(readonly pending: string[]) {
    super(
      `${pending.length} migration(s) not applied yet (${pending.join(', ')}): run this version's migrations ` +
        '(`node dist/migrate.mjs`, the Kubernetes migration Job) or start with MIGRATE_ON_START=true',
    );
  }
}

/**
 * For a service that does not migrate at start (MIGRATE_ON_START=false, migrations run by a
 * Job): waits, with back-off, until every migration in `folder` is applied, so a pod of a new
 * version never serves against the previous schema. Gives up after `timeoutMs` (then the process
 * exits and its orchestrator starts it again).
 */
export async function waitForMigrations(
  db: Database,
  folder: string,
  logger: Logger,
  timeoutMs?: number,
): Promise<void> {
  await retryAtStart(
    'its migrations',
    async () => {
      const [, pending] = (await db.migrate.list({
        migrationSource: new FolderMigrationSource(folder),
        tableName: 'knex_migrations',
      })) as [unknown[], string[]];
      if (pending.length > 0) throw new PendingMigrationsError(pending);
    },
    {
      logger,
      isTransient: (error) => error instanceof PendingMigrationsError || isTransientConnectError(error),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
  );
}

/** True when the database answers a trivial query within the timeout. */
export async function isDatabaseReachable(db: Database, timeoutMs = 2000): Promise<boolean> {
  try {
    await Promise.race([
      db.raw('select 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** Errors that waiting can cure: nothing listening yet, a name not resolvable yet, a server still starting. */
const TRANSIENT_CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P03', // cannot_connect_now: the database system is starting up
  '57P01', // admin_shutdown: a restart under way (the official image restarts after its init scripts)
]);

function isTransientConnectError(error: unknown): boolean {
  const { code, name, message } = error as { code?: string; name?: string; message?: string };
  return (
    (code !== undefined && TRANSIENT_CONNECT_CODES.has(code)) ||
    name === 'KnexTimeoutError' ||
    (message ?? '').includes('Connection terminated')
  );
}

/**
 * Waits, with back-off, until the database answers (a service may start before its Postgres);
 * a wrong password or a missing database fails at once. Gives up after `timeoutMs`.
 */
export async function waitForDatabase(db: Database, logger: Logger, timeoutMs?: number): Promise<void> {
  await retryAtStart('postgres', () => db.raw('select 1'), {
    logger,
    isTransient: isTransientConnectError,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

/** Creates `name` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabaseExists(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name "${name}"`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${name}"`);
      } catch (error) {
        // Another process created it between our check and our create: fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the same server as `serverUrl`. */
export function databaseUrlFor(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs `then` once `trx` has committed, and never if it rolls back: knex settles a transaction's
 * `executionPromise` when it ends. For work that must only follow a committed change (publishing,
 * waking a worker) without delaying the transaction's owner.
 */
export function afterCommit(trx: Knex.Transaction, then: () => unknown): void {
  trx.executionPromise.then(
    () => then(),
    () => undefined,
  );
}

/** Postgres unique-violation, for turning a race on a unique key into a CONFLICT. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}
