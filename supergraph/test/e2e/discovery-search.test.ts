/**
 * Search through the real gateway on the in-process bus (issue #10): an organizer publishes
 * events through listings' contract operations and the contract's SearchEvents, EventsNear
 * and SuggestEvents find them (title, start and venue resolved by listings); 20 publications
 * are each findable within 2 s (p95), and a cancelled event disappears; `npm run search:reindex`
 * rebuilds a wiped index from listings' snapshots with the same answers, and so does an admin's
 * `startSearchReindex` (refused to others, and while another rebuild runs).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from '@platform/devkit/testing';
import { createDatabase, sqlOn } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { freshness, organizerWithVenue, percentile, publishEvent, searchIds, uniqueWord } from '../harness/search.js';
import { errorCodes, login } from '../harness/users.js';

let platform: TestPlatform;
let token: string;
let venueId: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  ({ token, venueId } = await organizerWithVenue(platform));
}, 120_000);
afterAll(() => platform?.stop());

describe('discovery search through the gateway', () => {
  it('serves SearchEvents, EventsNear and SuggestEvents', async () => {
    const word = uniqueWord();
    const { id } = await publishEvent(platform, token, venueId, `Organ recital ${word}`);
    await eventually(async () => (await searchIds(platform, word)).includes(id), 'search to index the event');

    const searched = await platform.graphql<{
      searchEvents: {
        totalCount: number;
        facets: { categories: { value: string; count: number }[]; cities: { value: string; count: number }[] };
        edges: {
          score: number;
          highlight: string;
          node: { id: string; title: string; startsAt: string; venue: { name: string; city: string } };
        }[];
      };
    }>(contractOperation('SearchEvents'), {
      // A typo in the unique word: one letter replaced.
      text: `organ ${word.slice(0, 5)}${word[5] === 'a' ? 'b' : 'a'}${word.slice(6)}`,
      from: new Date().toISOString(),
      categories: ['concert'],
      first: 5,
    });
    expect(searched.body.errors).toBeUndefined();
    const connection = searched.body.data!.searchEvents;
    expect(connection.totalCount).toBe(1);
    expect(connection.facets).toEqual({
      categories: [{ value: 'concert', count: 1 }],
      cities: [{ value: 'Utrecht', count: 1 }],
    });
    const [hit] = connection.edges;
    const { startsAt, ...node } = hit!.node;
    expect(node).toEqual({ id, title: `Organ recital ${word}`, venue: { name: 'Tivoli Vredenburg', city: 'Utrecht' } });
    expect(new Date(startsAt).getTime()).toBeGreaterThan(Date.now());
    expect(hit!.highlight).toContain('<mark>Organ</mark>');
    expect(hit!.score).toBeGreaterThan(0);

    const near = await platform.graphql<{
      searchEvents: { edges: { distanceKm: number; node: { id: string; title: string } }[] };
    }>(contractOperation('EventsNear'), { text: word, latitude: 52.0907, longitude: 5.1214, radiusKm: 5, first: 5 });
    expect(near.body.errors).toBeUndefined();
    const [close] = near.body.data!.searchEvents.edges;
    expect(close!.node).toEqual({ id, title: `Organ recital ${word}` });
    expect(close!.distanceKm).toBeGreaterThan(0.4);
    expect(close!.distanceKm).toBeLessThan(0.8);
    const far = await platform.graphql<{ searchEvents: { totalCount: number } }>(contractOperation('EventsNear'), {
      text: word,
      latitude: 52.3676,
      longitude: 4.9041,
      radiusKm: 20,
    });
    expect(far.body.data!.searchEvents.totalCount).toBe(0);

    const suggested = await platform.graphql<{ suggestEvents: { text: string; event: { id: string } }[] }>(
      contractOperation('SuggestEvents'),
      { prefix: `organ recital ${word.slice(0, 4)}` },
    );
    expect(suggested.body.data!.suggestEvents).toEqual([{ text: `Organ recital ${word}`, event: { id } }]);
  });

  it('finds a published event within 2 s (p95 over 20) and forgets a cancelled one', async () => {
    const delays = await freshness(platform, token, venueId, 20);
    console.log(
      `search freshness, in-process bus: p50 ${percentile(delays, 50).toFixed(0)} ms, p95 ${percentile(delays, 95).toFixed(0)} ms`,
    );
    expect(percentile(delays, 95)).toBeLessThan(2000);

    const word = uniqueWord();
    const { id } = await publishEvent(platform, token, venueId, `Farewell show ${word}`);
    await eventually(async () => (await searchIds(platform, word)).includes(id), 'search to index the event');
    const cancelled = await platform.graphql(contractOperation('CancelEvent'), { id, reason: 'rain' }, { token });
    expect(cancelled.body.errors).toBeUndefined();
    await eventually(
      async () => (await searchIds(platform, word)).length === 0,
      'the cancelled event to disappear',
      2000,
    );
  }, 120_000);

  it('npm run search:reindex rebuilds a wiped index from listings: the same answers as before', async () => {
    const word = uniqueWord();
    const published = [];
    for (const title of [`Harbour lights ${word}`, `Harbour songs ${word}`]) {
      published.push((await publishEvent(platform, token, venueId, title)).id);
    }
    const { id: cancelled } = await publishEvent(platform, token, venueId, `Harbour storm ${word}`);
    expect(
      (await platform.graphql(contractOperation('CancelEvent'), { id: cancelled, reason: 'storm' }, { token })).body
        .errors,
    ).toBeUndefined();
    const answers = async () => {
      const result = await platform.graphql<{
        searchEvents: { totalCount: number; facets: unknown; edges: unknown[] };
      }>(contractOperation('SearchEvents'), { text: `harbour ${word}`, first: 10 });
      expect(result.body.errors).toBeUndefined();
      return result.body.data!.searchEvents;
    };
    const before = await eventually(async () => {
      const found = await answers();
      return found.totalCount === 2 ? found : undefined;
    }, 'search to index the events and the cancellation');

    const search = createDatabase({ url: platform.environments.search!.DATABASE_URL!, applicationName: 'e2e-wipe' });
    try {
      await sqlOn(search).execute('delete from search_events');
    } finally {
      await search.destroy();
    }
    expect((await answers()).totalCount).toBe(0);

    const command = await runCommand('npx', ['tsx', 'subgraphs/search/src/cli/reindex.ts'], {
      ...platform.environments.search!,
      LOG_LEVEL: 'warn',
    });
    expect(command.code, command.output).toBe(0);
    const report = JSON.parse(command.output.trim().split('\n').at(-1)!) as {
      engine: string;
      read: number;
      written: number;
    };
    expect(report.engine).toBe('postgres');
    // Every event listings has (this file's others too), the cancelled one included.
    expect(report.read).toBeGreaterThanOrEqual(3);
    expect(report.written).toBe(report.read);
    expect(await answers()).toEqual(before);
  }, 60_000);

  it('startSearchReindex rebuilds a wiped index for an admin only, and refuses while another rebuild runs', async () => {
    const word = uniqueWord();
    const { id } = await publishEvent(platform, token, venueId, `Lighthouse choir ${word}`);
    await eventually(async () => (await searchIds(platform, word)).includes(id), 'search to index the event');
    const search = createDatabase({ url: platform.environments.search!.DATABASE_URL!, applicationName: 'e2e-reindex' });
    try {
      await sqlOn(search).execute('delete from search_events');
      expect(await searchIds(platform, word)).toEqual([]);

      // The supergraph's @requiresScopes: the organizer lacks search.index.rebuild.
      const refused = await platform.graphql(START_REINDEX, {}, { token });
      expect(errorCodes(refused)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      const adminToken = (await login(platform, platform.admin)).accessToken;

      // A rebuild holding the lock (as the command or another replica would): refused at once.
      await search.transaction(async (trx) => {
        await sqlOn(trx).execute(`select pg_advisory_xact_lock(hashtext('search.rebuild'))`);
        const busy = await platform.graphql(START_REINDEX, {}, { token: adminToken });
        expect(errorCodes(busy)).toEqual(['CONFLICT']);
        expect(busy.body.errors![0]!.message).toBe(
          'Another rebuild of the search index is running: try again when it ends',
        );
      });

      const started = await platform.graphql<{ startSearchReindex: { engine: string; startedAt: string } }>(
        START_REINDEX,
        {},
        { token: adminToken },
      );
      expect(started.body.errors).toBeUndefined();
      expect(started.body.data!.startSearchReindex.engine).toBe('POSTGRES');
      expect(Date.parse(started.body.data!.startSearchReindex.startedAt)).toBeGreaterThan(Date.now() - 60_000);
      await eventually(async () => (await searchIds(platform, word)).includes(id), 'the rebuilt index', 20_000);
    } finally {
      await search.destroy();
    }
  }, 60_000);
});

const START_REINDEX = `mutation StartSearchReindex {
  startSearchReindex { engine startedAt }
}`;

/** Runs a command from the repository's root to its end with `env`; answers its exit code and output. */
function runCommand(command: string, args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
