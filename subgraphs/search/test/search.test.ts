/**
 * Search over a fixed generated corpus of 300 events (plus a few planted ones), fed as
 * listings' snapshot events over the in-process bus, asked through the subgraph's GraphQL
 * API: relevance, accents, typos, filters, facets, pagination, drafts, versions, venue
 * changes and bad input. The same suite runs on both engines: Postgres (a real Postgres) and
 * OpenSearch (a real node, started by this file: a missing node fails the suite).
 */
import { randomUUID } from 'node:crypto';
import { Permission } from '@platform/service-kit';
import {
  anonymous,
  contractOperation,
  errorCode,
  eventually,
  signedIn,
  startSubgraph,
  type SubgraphHarness,
} from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchSubgraph } from '../src/subgraph.js';
import { startOpenSearch, type OpenSearchNode } from '@platform/devkit/opensearch';
import { distanceKm, generateCorpus, snapshotOf, venueUpdateOf, type CorpusEvent } from './corpus.js';

const SUGGEST = contractOperation('SuggestEvents');

const FULL = `query Full($query: EventSearchInput!, $first: Int, $after: String) {
  searchEvents(query: $query, first: $first, after: $after) {
    totalCount
    facets { categories { value count } cities { value count } }
    edges { cursor score highlight distanceKm node { id } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Edge {
  cursor: string;
  score: number;
  highlight: string | null;
  distanceKm: number | null;
  node: { id: string };
}
interface Connection {
  totalCount: number;
  facets: { categories: { value: string; count: number }[]; cities: { value: string; count: number }[] };
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const DAY = 24 * 3600 * 1000;
const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');
const corpus = generateCorpus(300, 20261129, today);
const [zurichVenue] = corpus.venues.filter((venue) => venue.city === 'Zürich');
const organizer = corpus.organizers[0]!;

const planted = (title: string, description: string, overrides: Partial<CorpusEvent> = {}): CorpusEvent => ({
  id: randomUUID(),
  version: 1,
  organizerId: organizer,
  title,
  description,
  category: 'music',
  status: 'PUBLISHED',
  startsAt: new Date(today.getTime() + 10 * DAY).toISOString(),
  endsAt: new Date(today.getTime() + 10 * DAY + 3 * 3600_000).toISOString(),
  venue: zurichVenue!,
  ...overrides,
});

const cafe = planted('Café Müller Concert', 'Pina Bausch remembered: an evening of tango and dance.');
const tango = planted('Tango Night', 'Dance until morning.');
const past = planted('Past Jazz Festival', 'Already begun.', {
  startsAt: new Date(Date.now() - DAY).toISOString(),
  endsAt: new Date(Date.now() + DAY).toISOString(),
});
const draft = planted('Secret Jazz Festival', 'Not announced yet.', { status: 'DRAFT' });
const cancelled = planted('Cancelled Jazz Festival', 'Will not happen.', { version: 1 });
const published = corpus.events.filter((event) => event.status === 'PUBLISHED');

/** The same suite on each engine: Postgres (the default) and OpenSearch on a real node. */
describe.each(['postgres', 'opensearch'] as const)('on %s', (engine) => {
  let node: OpenSearchNode | undefined;
  let search: SubgraphHarness<typeof searchSubgraph>;

  const indexedVersion = (id: string) => search.subgraph.exposed.engine.indexedVersion(id);

  beforeAll(async () => {
    if (engine === 'opensearch') {
      node = await startOpenSearch();

      console.info(`OpenSearch node started in ${node.startedInMs} ms`);
    }
    search = await startSubgraph(searchSubgraph, {
      env: node ? { OPENSEARCH_URL: node.url, OPENSEARCH_INDEX: `search-test-${randomUUID().slice(0, 8)}` } : {},
    });
    const all = [...corpus.events, cafe, tango, past, draft, cancelled];
    await search.publish(all.map((event) => snapshotOf(event)));
    // Cancelled after publication: version 2 takes it out of the results.
    await search.publish([snapshotOf({ ...cancelled, version: 2, status: 'CANCELLED' })]);
    await eventually(async () => (await indexedVersion(cancelled.id)) === 2, 'the cancellation to be indexed', 60_000);
    await eventually(
      async () => (await search.subgraph.exposed.engine.size()) === all.length,
      'the corpus to be indexed',
      60_000,
    );
  }, 240_000);
  afterAll(async () => {
    await search?.stop();
    await node?.stop();
  });

  async function find(query: Record<string, unknown>, first = 100, after?: string, caller = anonymous) {
    const result = await search.graphql<{ searchEvents: Connection }>(FULL, { query, first, after }, caller);
    expect(result.body.errors).toBeUndefined();
    return result.body.data!.searchEvents;
  }

  const ids = (connection: Connection) => connection.edges.map((edge) => edge.node.id);

  /** Every id of a search, page after page. */
  async function allIds(query: Record<string, unknown>, pageSize = 7) {
    const found: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await find(query, pageSize, after);
      found.push(...ids(page));
      if (!page.pageInfo.hasNextPage) return found;
      after = page.pageInfo.endCursor!;
    }
  }

  describe('relevance', () => {
    it('finds the events with every word, title matches first', async () => {
      const expected = published.filter((event) => event.title.includes('Jazz Festival')).map((event) => event.id);
      expect(expected.length).toBeGreaterThan(3);
      const result = await find({ text: 'jazz festival' });
      expect(result.totalCount).toBe(expected.length);
      expect(new Set(ids(result))).toEqual(new Set(expected));
    });

    it('weighs a word in the title above the same word in the description', async () => {
      const result = await find({ text: 'tango' });
      expect(ids(result)).toEqual([tango.id, cafe.id]);
      expect(result.edges[0]!.score).toBeGreaterThan(result.edges[1]!.score);
    });

    it('ignores accents both ways and highlights the matched words', async () => {
      const plain = await find({ text: 'cafe muller' });
      expect(ids(plain)).toEqual([cafe.id]);
      expect(plain.edges[0]!.highlight).toContain('<mark>Café</mark> <mark>Müller</mark>');
      const accented = await find({ text: 'Zürich' });
      const unaccented = await find({ text: 'zurich' });
      expect(unaccented.totalCount).toBe(accented.totalCount);
      expect(unaccented.totalCount).toBe(published.filter((event) => event.venue.city === 'Zürich').length + 2);
    });

    it('corrects single misspelt words as fuzziness AUTO does', async () => {
      const concert = await find({ text: 'concert' });
      expect(concert.totalCount).toBeGreaterThan(5);
      expect(new Set(ids(await find({ text: 'concrt' })))).toEqual(new Set(ids(concert)));
      const festival = await allIds({ text: 'jazz festival' });
      expect(new Set(await allIds({ text: 'jaz festval' }))).toEqual(new Set(festival));
      // Two edits are too many below six letters: "jzaz" is not "jazz".
      expect((await find({ text: 'jzaz' })).totalCount).toBe(0);
    });

    it('answers nothing for a word nothing is near', async () => {
      expect((await find({ text: 'xylophonist' })).totalCount).toBe(0);
    });
  });

  describe('filters and facets', () => {
    it('filters by start date range (from inclusive, to exclusive)', async () => {
      const from = new Date(today.getTime() + 30 * DAY);
      const to = new Date(today.getTime() + 60 * DAY);
      const expected = published.filter((event) => new Date(event.startsAt) >= from && new Date(event.startsAt) < to);
      const result = await find({
        startsBetween: { from: from.toISOString(), to: to.toISOString() },
        categories: null,
      });
      expect(result.totalCount).toBe(expected.length);
      expect(new Set(await allIds({ startsBetween: { from: from.toISOString(), to: to.toISOString() } }, 50))).toEqual(
        new Set(expected.map((event) => event.id)),
      );
    });

    it('filters by categories and counts facets over the whole result, not the page', async () => {
      const expected = published.filter((event) => event.category === 'sports' || event.category === 'food');
      const result = await find({ categories: ['Sports', 'food'] }, 5);
      expect(result.edges).toHaveLength(5);
      expect(result.totalCount).toBe(expected.length);
      const categories = Object.fromEntries(result.facets.categories.map((facet) => [facet.value, facet.count]));
      expect(categories).toEqual({
        sports: expected.filter((event) => event.category === 'sports').length,
        food: expected.filter((event) => event.category === 'food').length,
      });
      const cityTotal = result.facets.cities.reduce((sum, facet) => sum + facet.count, 0);
      expect(cityTotal).toBe(expected.length);
      const berlin = result.facets.cities.find((facet) => facet.value === 'Berlin');
      expect(berlin?.count).toBe(expected.filter((event) => event.venue.city === 'Berlin').length);
    });

    it('finds events within a radius, each with its distance', async () => {
      const amsterdam = { latitude: 52.3676, longitude: 4.9041 };
      const expected = published.filter((event) => distanceKm(amsterdam, event.venue as typeof amsterdam) <= 50);
      // Utrecht lies ~35 km away: inside; Berlin ~580 km: outside.
      expect(new Set(expected.map((event) => event.venue.city))).toEqual(new Set(['Amsterdam', 'Utrecht']));
      const result = await find({ near: { ...amsterdam, radiusKm: 50 } }, 100);
      expect(result.totalCount).toBe(expected.length);
      for (const edge of result.edges) {
        const event = published.find((candidate) => candidate.id === edge.node.id)!;
        expect(edge.distanceKm).toBeCloseTo(distanceKm(amsterdam, event.venue as typeof amsterdam), 2);
        expect(edge.distanceKm!).toBeLessThanOrEqual(50);
      }
    });
  });

  describe('what is searched', () => {
    it('leaves out events that started, were cancelled or are drafts', async () => {
      const found = await allIds({ text: 'jazz festival' }, 100);
      expect(found).not.toContain(past.id);
      expect(found).not.toContain(cancelled.id);
      expect(found).not.toContain(draft.id);
    });

    it("includes your own drafts with listings.event.write, everyone's with manage, refuses without", async () => {
      const own = await find(
        { text: 'secret', includeDrafts: true },
        10,
        undefined,
        signedIn(organizer, [Permission.ListingsEventWrite]),
      );
      expect(ids(own)).toEqual([draft.id]);
      const other = await find(
        { text: 'secret', includeDrafts: true },
        10,
        undefined,
        signedIn(randomUUID(), [Permission.ListingsEventWrite]),
      );
      expect(other.totalCount).toBe(0);
      const manager = await find(
        { text: 'secret', includeDrafts: true },
        10,
        undefined,
        signedIn(randomUUID(), [Permission.ListingsEventManage]),
      );
      expect(ids(manager)).toEqual([draft.id]);
      const refused = await search.graphql(
        FULL,
        { query: { text: 'secret', includeDrafts: true } },
        signedIn(randomUUID()),
      );
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(errorCode(await search.graphql(FULL, { query: { includeDrafts: true } }))).toBe('UNAUTHENTICATED');
    });

    it('ignores a snapshot older than the one indexed, and a redelivered one', async () => {
      const event = published[0]!;
      await search.publish([snapshotOf({ ...event, version: 1, title: 'Outdated Title' })]);
      await search.publish([snapshotOf({ ...event, version: 3, title: `${event.title} Encore` })]);
      await eventually(async () => (await indexedVersion(event.id)) === 3, 'version 3');
      // OpenSearch makes a write searchable at its next refresh (within a second).
      const encore = await eventually(async () => {
        const found = ids(await find({ text: 'encore' }));
        return found.length > 0 ? found : undefined;
      }, 'version 3 to be searchable');
      expect(encore).toEqual([event.id]);
      expect(ids(await find({ text: 'outdated' }))).toEqual([]);
    });

    it('follows a venue renamed and moved to another city', async () => {
      const venue = corpus.venues.find((candidate) => candidate.city === 'Lisbon')!;
      const atVenue = published.filter((event) => event.venue.id === venue.id).map((event) => event.id);
      await search.publish([venueUpdateOf({ ...venue, name: 'Coliseu Porto', city: 'Porto' })]);
      const moved = await eventually(async () => {
        const result = await find({ text: 'porto' });
        return result.totalCount === atVenue.length ? result : undefined;
      }, 'the venue change');
      expect(new Set(ids(moved))).toEqual(new Set(atVenue));
    });
  });

  describe('pages', () => {
    it('pages through a result with stable cursors, in the order of one big page', async () => {
      const query = { text: 'concert' };
      const whole = ids(await find(query, 100));
      expect(await allIds(query, 7)).toEqual(whole);
      const byTime = ids(await find({ categories: ['music'] }, 100));
      expect(await allIds({ categories: ['music'] }, 9)).toEqual(byTime);
    });

    it('refuses bad input field by field', async () => {
      const result = await search.graphql(FULL, {
        query: {
          text: 'x',
          near: { latitude: 91, longitude: 0, radiusKm: -1 },
          startsBetween: { from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' },
        },
        first: 0,
        after: 'garbage',
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(Object.keys(result.body.errors![0]!.extensions!.fields as object).sort()).toEqual([
        'after',
        'first',
        'query.near.latitude',
        'query.near.radiusKm',
        'query.startsBetween.to',
      ]);
    });
  });

  describe('suggestions', () => {
    it('serves SuggestEvents: titles with a word starting with what was typed, accents folded', async () => {
      const suggested = await search.graphql<{ suggestEvents: { text: string; event: { id: string } }[] }>(SUGGEST, {
        prefix: 'caf',
      });
      expect(suggested.body.data!.suggestEvents).toEqual([{ text: 'Café Müller Concert', event: { id: cafe.id } }]);
      const typing = await search.graphql<{ suggestEvents: { text: string; event: { id: string } }[] }>(SUGGEST, {
        prefix: 'summer j',
      });
      // Soonest first, "summer" as typed and "j" as a prefix (Jazz, ...).
      const expected = published
        .filter((event) => /^Summer J/.test(event.title))
        .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id))
        .slice(0, 5)
        .map((event) => ({ text: event.title, event: { id: event.id } }));
      expect(expected.length).toBeGreaterThan(0);
      expect(typing.body.data!.suggestEvents).toEqual(expected);
      expect(
        (await search.graphql<{ suggestEvents: unknown[] }>(SUGGEST, { prefix: 'secr' })).body.data!.suggestEvents,
      ).toEqual([]);
    });
  });

  describe('rebuilding the index', () => {
    it('stages a fresh index from the source and swaps it in: missing events added, unknown ones removed, newer live versions kept, twice the same', async () => {
      const source = [
        ...corpus.events,
        cafe,
        tango,
        past,
        draft,
        { ...cancelled, version: 2, status: 'CANCELLED' as const },
      ];
      // Indexed live but unknown to the source (listings no longer has it): removed.
      const stray = planted('Stray Harpsichord Evening', 'Not in listings any more.', { category: 'workshop' });
      // In the source but never delivered: added.
      const missed = planted('Missed Harpsichord Matinee', 'Its snapshot was lost.', { category: 'workshop' });
      // Newer live than in the source (it changed while the rebuild read): the live version stays.
      const changed = { ...published[1]!, version: 7, title: `${published[1]!.title} Reprise` };
      await search.publish([snapshotOf(stray), snapshotOf(changed)]);
      await eventually(async () => (await indexedVersion(stray.id)) === 1, 'the stray event');
      await eventually(async () => (await indexedVersion(changed.id)) === 7, 'the changed event');
      const queries = [
        { text: 'jazz festival' },
        { categories: ['music'] },
        { near: { latitude: 52.3676, longitude: 4.9041, radiusKm: 50 } },
      ];
      // What a rebuild must keep: the hits, totals, facets, distances. OpenSearch's scores move with
      // its index statistics (a fresh index has no deleted documents), so they are not compared.
      const answers = () =>
        Promise.all(
          queries.map(async (query) => {
            const { totalCount, facets, edges } = await find(query, 100);
            const hits = edges.map((edge) => ({
              id: edge.node.id,
              distanceKm: edge.distanceKm,
              highlight: edge.highlight,
            }));
            return { totalCount, facets, hits: hits.sort((a, b) => a.id.localeCompare(b.id)) };
          }),
        );
      const before = await answers();

      const pages = async function* (events: CorpusEvent[]) {
        for (let start = 0; start < events.length; start += 50) {
          yield events.slice(start, start + 50).map((event) => ({ ...event, venue: { ...event.venue } }));
        }
      };
      const report = await search.subgraph.exposed.engine.rebuild(pages([...source, missed]));
      expect(report.read).toBe(source.length + 1);
      expect(report.removed).toBe(1);
      expect(await indexedVersion(stray.id)).toBeNull();
      expect(await indexedVersion(missed.id)).toBe(1);
      expect(await indexedVersion(changed.id)).toBe(7);
      const harpsichord = await eventually(async () => {
        const found = ids(await find({ text: 'harpsichord' }));
        return found.length === 1 ? found : undefined;
      }, 'the rebuilt index to answer');
      expect(harpsichord).toEqual([missed.id]);
      expect(ids(await find({ text: 'reprise' }))).toEqual([changed.id]);
      expect(await answers()).toEqual(before);

      const again = await search.subgraph.exposed.engine.rebuild(pages([...source, missed]));
      expect(again).toEqual({ read: source.length + 1, written: 0, removed: 0 });
      expect(await answers()).toEqual(before);
    });
  });
});
