import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  isDatabaseReachable,
  isUniqueViolation,
  migrateToLatest,
  PendingMigrationsError,
  waitForDatabase,
  waitForMigrations,
} from '../src/database.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../src/ports.js';
import { captureLogs, createTestDatabase } from '@platform/devkit/testing';

describe('database', async () => {
  const url = await createTestDatabase('kit');
  const db = createDatabase({ url, applicationName: 'kit-test' });
  afterAll(() => db.destroy());

  it('reaches a real Postgres', async () => {
    expect(await isDatabaseReachable(db)).toBe(true);
  });

  it('recognises a unique violation', async () => {
    await db.raw('create table things (name text primary key)');
    await db('things').insert({ name: 'a' });
    const error = await db('things')
      .insert({ name: 'a' })
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('applies compiled .js migrations under their .ts names, sharing the history of the sources', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'kit-migrations-'));
    try {
      const migration = (table: string) =>
        `export async function up(knex) { await knex.raw('create table ${table} (id int)'); }\n` +
        `export async function down(knex) { await knex.raw('drop table ${table}'); }\n`;
      await writeFile(path.join(folder, 'package.json'), '{"type":"module"}');
      await writeFile(path.join(folder, '20990101000000_create_widgets.ts'), migration('widgets'));
      expect(await migrateToLatest(db, folder)).toEqual(['20990101000000_create_widgets.ts']);

      // As in a container image: the same migration compiled, and a newer one.
      await rm(path.join(folder, '20990101000000_create_widgets.ts'));
      await writeFile(path.join(folder, '20990101000000_create_widgets.js'), migration('widgets'));
      await writeFile(path.join(folder, '20990102000000_create_gadgets.js'), migration('gadgets'));
      expect(await migrateToLatest(db, folder)).toEqual(['20990102000000_create_gadgets.ts']);
      const { rows } = await db.raw<{ rows: { name: string }[] }>('select name from knex_migrations order by id');
      expect(rows.map((row) => row.name)).toEqual([
        '20990101000000_create_widgets.ts',
        '20990102000000_create_gadgets.ts',
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('waits for migrations run elsewhere (a Job) before serving, and says which are missing', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'kit-migrations-'));
    const fresh = createDatabase({ url: await createTestDatabase('kit_wait'), applicationName: 'kit-test' });
    try {
      await writeFile(path.join(folder, 'package.json'), '{"type":"module"}');
      await writeFile(
        path.join(folder, '20990103000000_create_sprockets.js'),
        "export async function up(knex) { await knex.raw('create table sprockets (id int)'); }\n" +
          "export async function down(knex) { await knex.raw('drop table sprockets'); }\n",
      );
      const logs = captureLogs();
      const logger = createLogger({ service: 'kit-test', destination: logs.stream });
      const refused = await waitForMigrations(fresh, folder, logger, 600).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(
        /its migrations not reachable after .*20990103000000_create_sprockets/,
      );
      expect((refused as Error).cause).toBeInstanceOf(PendingMigrationsError);

      // The Job applies them while the service waits: it goes on.
      const waiting = waitForMigrations(fresh, folder, logger, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await migrateToLatest(fresh, folder);
      await expect(waiting).resolves.toBeUndefined();
      expect(logs.lines().some((line) => line.includes('waiting for its migrations'))).toBe(true);
    } finally {
      await fresh.destroy();
      await rm(folder, { recursive: true, force: true });
    }
  });

  describe('waiting for Postgres at start', () => {
    /** `url` with its host and port replaced: a port where nothing listens until the test says so. */
    const through = (port: number, database?: string) => {
      const moved = new URL(url);
      moved.hostname = '127.0.0.1';
      moved.port = String(port);
      if (database) moved.pathname = `/${database}`;
      return moved.toString();
    };

    it('connects once a Postgres that was not listening yet comes up, logging each wait', async () => {
      const port = await freePort();
      const target = new URL(url);
      // A TCP relay to the real server stands for a Postgres container that starts late.
      const relay = net.createServer((client) => {
        const server = net.connect(Number(target.port), target.hostname);
        client.pipe(server).pipe(client);
        client.on('error', () => server.destroy());
        server.on('error', () => client.destroy());
      });
      const opened = new Promise<void>((resolve) => setTimeout(() => relay.listen(port, '127.0.0.1', resolve), 1_000));
      const logs = captureLogs();
      const late = createDatabase({ url: through(port), applicationName: 'kit-late' });
      try {
        await waitForDatabase(late, createLogger({ service: 'kit-test', level: 'info', destination: logs.stream }));
        await opened;
        expect(await isDatabaseReachable(late)).toBe(true);
        const waits = logs.lines().filter((line) => line.includes('waiting for postgres'));
        expect(waits.length).toBeGreaterThan(0);
        expect(waits[0]).toContain('ECONNREFUSED');
        expect(logs.lines().some((line) => line.includes('postgres reachable'))).toBe(true);
      } finally {
        await late.destroy();
        relay.close();
      }
    });

    it('gives up after the deadline, naming the dependency and the last error', async () => {
      const unreachable = createDatabase({ url: through(await freePort()), applicationName: 'kit-unreachable' });
      const logger = createLogger({ service: 'kit-test', level: 'silent' });
      try {
        await expect(waitForDatabase(unreachable, logger, 600)).rejects.toThrow(
          /^postgres not reachable after 1 s \(\d+ attempts\): .*ECONNREFUSED/,
        );
      } finally {
        await unreachable.destroy();
      }
    });

    it('fails at once on what waiting cannot cure (a database that does not exist)', async () => {
      const target = new URL(url);
      const missing = createDatabase({
        url: through(Number(target.port), 'kit_no_such_database'),
        applicationName: 'kit-missing',
      });
      try {
        // Postgres' own error, not the deadline's (which would wrap it after 30 s).
        await expect(
          waitForDatabase(missing, createLogger({ service: 'kit-test', level: 'silent' }), 30_000),
        ).rejects.toMatchObject({ code: '3D000' });
      } finally {
        await missing.destroy();
      }
    });
  });
});
