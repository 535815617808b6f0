import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, isDatabaseReachable, isUniqueViolation } from '../src/database.js';
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
});
