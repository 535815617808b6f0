/**
 * `npm run bench -- search` fills the Postgres engine the way a reindex does, through the
 * engine's own rebuild (`loadCorpus`), a page at a time: every event indexed once, its words
 * in the vocabulary typo correction reads, and a second load changes nothing.
 */
import path from 'node:path';
import { createDatabase, migrateToLatest, type Database } from '@platform/service-kit';
import { createTestDatabase } from '@platform/devkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repositoryRoot } from '../../supergraph/src/platform/launch.js';
import { createPostgresEngine } from '../../subgraphs/search/src/engine/postgres.js';
import type { SearchRequest } from '../../subgraphs/search/src/domain/request.js';
import { generateCorpus } from '../../subgraphs/search/test/corpus.js';
import { loadCorpus } from '../search.js';

const DAY = 24 * 3600 * 1000;
const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
// More than two pages of the loader, the last one partial.
const corpus = generateCorpus(4_500, 7, today);

let db: Database;
beforeAll(async () => {
  db = createDatabase({ url: await createTestDatabase('bench_search_load'), applicationName: 'bench-search-test' });
  await migrateToLatest(db, path.join(repositoryRoot, 'migrations/search'));
});
afterAll(() => db?.destroy());

const everything = (words: string[]): SearchRequest => ({
  words,
  from: null,
  to: new Date(today.getTime() + 400 * DAY),
  categories: null,
  near: null,
  drafts: { kind: 'none' },
  first: 5,
  after: null,
  now: new Date(),
});

it('indexes every event through the rebuild, typo correction included, and a second load changes nothing', async () => {
  const engine = createPostgresEngine(db);
  expect(await loadCorpus(engine, corpus.events)).toEqual({ read: 4_500, written: 4_500, removed: 0 });
  expect(await engine.size()).toBe(4_500);
  const festivals = corpus.events.filter((event) => event.title.includes('Jazz Festival')).length;
  expect(festivals).toBeGreaterThan(0);
  expect((await engine.search(everything(['jazz', 'festival']))).totalCount).toBe(festivals);
  // The vocabulary comes from the rebuild too: "festval" is corrected to "festival".
  expect((await engine.search(everything(['jazz', 'festval']))).totalCount).toBe(festivals);
  expect(await loadCorpus(engine, corpus.events)).toEqual({ read: 4_500, written: 0, removed: 0 });
});
