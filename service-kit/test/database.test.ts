import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, isDatabaseReachable, isUniqueViolation, migrateToLatest } from '../src/database.js';
import { createTestDatabase } from '@platform/devkit/testing';

describe('database', async () => {
  const db = createDatabase({ url: await createTestDatabase('kit'), applicationName: 'kit-test' });
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
});
