/**
 * The OpenSearch engine (`OPENSEARCH_URL`), for deployments that outgrow one database. One
 * document per event in an index reached through an alias (`OPENSEARCH_INDEX`), so a rebuild
 * fills a fresh index and swaps the alias in one step. Text and titles are analysed with
 * `asciifolding` (accents folded on both sides); each word is a `multi_match` over title
 * (boosted), venue and city, and description with `fuzziness: AUTO` (no transpositions: edits
 * counted as Levenshtein's, like the Postgres engine), all words required; geo radius and
 * `distanceKm` from `geo_distance` (arc, the earth's mean radius, as our haversine); facets are
 * `terms` aggregations over the whole result; pages follow `search_after` on (score, start, id);
 * suggestions match the last word against an edge-ngram sub-field of the title.
 *
 * Versions: a snapshot is indexed with `version_type: external` and its own version, so the
 * node itself refuses an older or repeated one. Venues are kept in search's Postgres
 * (`search_venues`, as for the Postgres engine): an event takes its venue from there, and a
 * venue change rewrites its events at their own version (`external_gte`).
 */
import { Client } from '@opensearch-project/opensearch';
import { sqlOn, type Database, type Logger } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import { wordsOf, type SearchRequest } from '../domain/request.js';
import type { IndexedEvent, IndexedVenue, RebuildReport, SearchEngine, SearchHit, SearchResult } from './port.js';
import { exclusiveRebuild } from './rebuild-lock.js';

export interface OpenSearchEngineOptions {
  /** The node or cluster, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** The alias searched and written; the indices behind it are `<alias>-<suffix>`. */
  alias: string;
  /** Search's own database: venues, and the lock that keeps rebuilds one at a time. */
  db: Database;
  logger: Logger;
}

interface EventDocument {
  id: string;
  version: number;
  organizerId: string;
  status: IndexedEvent['status'];
  title: string;
  description: string;
  category: string;
  /** The category in lower case: the filter is case-insensitive, the facet keeps the case. */
  categoryKey: string;
  startsAt: string;
  endsAt: string;
  venueId: string;
  venueName: string;
  city: string;
  /** Venue name and city, searched as one field. */
  where: string;
  location: { lat: number; lon: number } | null;
  /** When this document was written: a rebuild keeps documents written after it began. */
  indexedAt: string;
}

const INDEX_SETTINGS = {
  number_of_shards: 1,
  number_of_replicas: 0,
  analysis: {
    filter: { title_prefixes: { type: 'edge_ngram', min_gram: 1, max_gram: 20 } },
    analyzer: {
      folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] },
      folded_prefixes: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'title_prefixes'],
      },
    },
  },
};

const MAPPINGS = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    version: { type: 'integer' },
    organizerId: { type: 'keyword' },
    status: { type: 'keyword' },
    title: {
      type: 'text',
      analyzer: 'folded',
      fields: { prefixes: { type: 'text', analyzer: 'folded_prefixes', search_analyzer: 'folded' } },
    },
    description: { type: 'text', analyzer: 'folded' },
    category: { type: 'keyword' },
    categoryKey: { type: 'keyword' },
    startsAt: { type: 'date' },
    endsAt: { type: 'date' },
    venueId: { type: 'keyword' },
    venueName: { type: 'keyword', index: false },
    city: { type: 'keyword' },
    where: { type: 'text', analyzer: 'folded' },
    location: { type: 'geo_point' },
    indexedAt: { type: 'date' },
  },
};

/** The fields a word is looked for in: the title weighs most, then where, then the description. */
const TEXT_FIELDS = ['title^3', 'where^2', 'description'];

const bucketList = z.object({ buckets: z.array(z.object({ key: z.string(), doc_count: z.number() })) });
const searchResponse = z.object({
  hits: z.object({
    total: z.object({ value: z.number() }),
    hits: z.array(
      z.object({
        _id: z.string(),
        _source: z.object({ title: z.string(), description: z.string(), startsAt: z.string() }),
        sort: z.array(z.union([z.number(), z.string()])),
        highlight: z.record(z.string(), z.array(z.string())).optional(),
      }),
    ),
  }),
  aggregations: z.object({ categories: bucketList, cities: bucketList }),
});
const suggestResponse = z.object({
  hits: z.object({ hits: z.array(z.object({ _id: z.string(), _source: z.object({ title: z.string() }) })) }),
});
const scanResponse = z.object({
  hits: z.object({
    hits: z.array(
      z.object({
        _id: z.string(),
        _version: z.number(),
        _source: z.record(z.string(), z.unknown()),
        sort: z.array(z.union([z.number(), z.string()])),
      }),
    ),
  }),
});
const bulkResponse = z.object({
  errors: z.boolean(),
  items: z.array(
    z.record(
      z.string(),
      z.object({ _id: z.string(), status: z.number(), _version: z.number().optional(), error: z.unknown().optional() }),
    ),
  ),
});
const venueRow = z.object({
  id: z.string(),
  name: z.string(),
  city: z.string(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
});

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The node's answer to a request it refused, or the error itself. */
function statusOf(error: unknown): number | undefined {
  return (error as { meta?: { statusCode?: number } }).meta?.statusCode;
}

function documentOf(event: IndexedEvent, venue: IndexedVenue, indexedAt: Date): EventDocument {
  return withVenue(
    {
      id: event.id,
      version: event.version,
      organizerId: event.organizerId,
      status: event.status,
      title: event.title,
      description: event.description,
      category: event.category,
      categoryKey: event.category.toLowerCase(),
      startsAt: new Date(event.startsAt).toISOString(),
      endsAt: new Date(event.endsAt).toISOString(),
    },
    venue,
    indexedAt,
  );
}

/** The document with `venue`'s fields (name, city, where, location), as written at `indexedAt`. */
function withVenue(
  document: Omit<EventDocument, VenueField | 'indexedAt'>,
  venue: IndexedVenue,
  indexedAt: Date,
): EventDocument {
  return {
    ...document,
    venueId: venue.id,
    venueName: venue.name,
    city: venue.city,
    where: `${venue.name} ${venue.city}`,
    location:
      venue.latitude !== null && venue.longitude !== null ? { lat: venue.latitude, lon: venue.longitude } : null,
    indexedAt: indexedAt.toISOString(),
  };
}

type VenueField = 'venueId' | 'venueName' | 'city' | 'where' | 'location';

export function createOpenSearchEngine(options: OpenSearchEngineOptions): SearchEngine {
  const { alias, db, logger } = options;
  const client = new Client({ node: options.url });

  const body = <T>(response: { body: unknown }, schema: z.ZodType<T>): T => schema.parse(response.body);

  async function createIndex(name: string, aliased: boolean, refreshInterval: string): Promise<void> {
    await client.indices.create({
      index: name,
      body: {
        settings: { ...INDEX_SETTINGS, refresh_interval: refreshInterval },
        mappings: MAPPINGS,
        ...(aliased ? { aliases: { [alias]: {} } } : {}),
      } as never,
    });
  }

  /** The indices the alias points at now. */
  async function aliasedIndices(): Promise<string[]> {
    try {
      return Object.keys((await client.indices.getAlias({ name: alias })).body);
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }

  /** Bulk operations; answers the items' results by document id (later ones win). */
  async function bulk(lines: object[]): Promise<{ id: string; status: number; version: number | undefined }[]> {
    if (lines.length === 0) return [];
    const result = body(await client.bulk({ body: lines as never }), bulkResponse);
    return result.items.map((item) => {
      const [outcome] = Object.values(item);
      if (outcome!.status >= 300 && outcome!.status !== 409) {
        throw new Error(`OpenSearch refused document ${outcome!._id}: ${JSON.stringify(outcome!.error)}`);
      }
      return { id: outcome!._id, status: outcome!.status, version: outcome!._version };
    });
  }

  /** Every document of `index` (an alias or index), by id, a thousand at a time. */
  async function* scan(index: string, query: object): AsyncGenerator<z.infer<typeof scanResponse>['hits']['hits']> {
    let after: (string | number)[] | undefined;
    for (;;) {
      const page = body(
        await client.search({
          index,
          body: {
            query,
            size: 1000,
            sort: [{ id: 'asc' }],
            version: true,
            ...(after ? { search_after: after } : {}),
          } as never,
        }),
        scanResponse,
      );
      if (page.hits.hits.length === 0) return;
      yield page.hits.hits;
      after = page.hits.hits.at(-1)!.sort;
    }
  }

  async function venuesById(run: Knex, ids: string[]): Promise<Map<string, IndexedVenue>> {
    const rows = await sqlOn(run).rows(
      venueRow,
      'select id, name, city, latitude, longitude from search_venues where id = any(?::uuid[])',
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Venues as their own events described them win over copies inside snapshots (as in Postgres). */
  async function rememberVenues(run: Knex, venues: IndexedVenue[]): Promise<void> {
    if (venues.length === 0) return;
    await sqlOn(run).execute(
      `insert into search_venues (id, name, city, latitude, longitude)
       select * from jsonb_to_recordset(?::jsonb) as v(id uuid, name text, city text, latitude float8, longitude float8)
       on conflict (id) do nothing`,
      [JSON.stringify(venues)],
    );
  }

  return {
    name: 'opensearch',

    async ready() {
      const existing = await aliasedIndices().catch((error: unknown) => {
        throw new Error(
          `OpenSearch at ${options.url} (OPENSEARCH_URL) did not answer: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      });
      if (existing.length > 0) return;
      try {
        // A fixed first name: replicas starting together create one index, not two behind one alias.
        await createIndex(`${alias}-initial`, true, '1s');
      } catch (error) {
        if (statusOf(error) !== 400 || (await aliasedIndices()).length === 0) throw error;
      }
    },

    async close() {
      await client.close();
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const filter: object[] = [{ range: { startsAt: { gt: request.now.toISOString() } } }];
      if (request.drafts.kind === 'none') filter.push({ term: { status: 'PUBLISHED' } });
      else if (request.drafts.kind === 'all') filter.push({ terms: { status: ['PUBLISHED', 'DRAFT'] } });
      else {
        filter.push({
          bool: {
            should: [
              { term: { status: 'PUBLISHED' } },
              {
                bool: {
                  filter: [{ term: { status: 'DRAFT' } }, { term: { organizerId: request.drafts.organizerId } }],
                },
              },
            ],
            minimum_should_match: 1,
          },
        });
      }
      if (request.from || request.to) {
        filter.push({
          range: {
            startsAt: {
              ...(request.from ? { gte: request.from.toISOString() } : {}),
              ...(request.to ? { lt: request.to.toISOString() } : {}),
            },
          },
        });
      }
      if (request.categories) filter.push({ terms: { categoryKey: request.categories } });
      const near = request.near;
      const point = near ? { lat: near.latitude, lon: near.longitude } : null;
      if (near) {
        filter.push({ geo_distance: { distance: `${near.radiusKm}km`, distance_type: 'arc', location: point } });
      }
      const must = request.words.map((word) => ({
        multi_match: { query: word, fields: TEXT_FIELDS, fuzziness: 'AUTO', fuzzy_transpositions: false },
      }));
      const sort: object[] = [{ _score: { order: 'desc' } }, { startsAt: { order: 'asc' } }, { id: { order: 'asc' } }];
      // Last, after the unique id, so it never changes the order: it only reports each hit's distance.
      if (point) sort.push({ _geo_distance: { location: point, order: 'asc', unit: 'km', distance_type: 'arc' } });
      const after = request.after
        ? [Number(request.after.score), request.after.startsAt.getTime(), request.after.id, ...(point ? [0] : [])]
        : undefined;
      const terms = (field: string) => ({
        terms: { field, size: 50, order: [{ _count: 'desc' }, { _key: 'asc' }] },
      });
      const result = body(
        await client.search({
          index: alias,
          body: {
            query: { bool: { filter, ...(must.length > 0 ? { must } : {}) } },
            sort,
            size: request.first + 1,
            track_total_hits: true,
            _source: ['title', 'description', 'startsAt'],
            aggs: { categories: terms('category'), cities: terms('city') },
            ...(after ? { search_after: after } : {}),
            ...(must.length > 0
              ? {
                  highlight: {
                    pre_tags: ['<mark>'],
                    post_tags: ['</mark>'],
                    encoder: 'html',
                    fields: {
                      title: { number_of_fragments: 0 },
                      description: { fragment_size: 150, number_of_fragments: 1 },
                    },
                  },
                }
              : {}),
          } as never,
        }),
        searchResponse,
      );
      const hits: SearchHit[] = result.hits.hits.slice(0, request.first).map((hit) => {
        const marked = hit.highlight ?? {};
        const highlight =
          must.length === 0
            ? null
            : [marked.title?.[0] ?? escapeHtml(hit._source.title), ...(marked.description ?? [])].join('. ');
        const distance = point ? Number(hit.sort[3]) : null;
        return {
          id: hit._id,
          score: must.length === 0 ? '0' : String(hit.sort[0]),
          startsAt: new Date(hit._source.startsAt),
          highlight,
          distanceKm: distance === null ? null : Math.round(distance * 1000) / 1000,
        };
      });
      const facet = (list: z.infer<typeof bucketList>) =>
        list.buckets.map((bucket) => ({ value: bucket.key, count: bucket.doc_count }));
      return {
        totalCount: result.hits.total.value,
        facets: { categories: facet(result.aggregations.categories), cities: facet(result.aggregations.cities) },
        hits,
        hasNextPage: result.hits.hits.length > request.first,
      };
    },

    async suggest(prefix, first, now) {
      const words = wordsOf(prefix).slice(0, 10);
      if (words.length === 0) return [];
      const typed = words.slice(0, -1).map((word) => ({
        match: { title: { query: word, fuzziness: 'AUTO', fuzzy_transpositions: false } },
      }));
      const result = body(
        await client.search({
          index: alias,
          body: {
            query: {
              bool: {
                filter: [{ term: { status: 'PUBLISHED' } }, { range: { startsAt: { gt: now.toISOString() } } }],
                must: [...typed, { match: { 'title.prefixes': { query: words.at(-1) } } }],
              },
            },
            sort: [{ startsAt: 'asc' }, { id: 'asc' }],
            size: first,
            _source: ['title'],
          } as never,
        }),
        suggestResponse,
      );
      return result.hits.hits.map((hit) => ({ id: hit._id, title: hit._source.title }));
    },

    async applyEvent(trx, event) {
      await rememberVenues(trx, [event.venue]);
      const venue = (await venuesById(trx, [event.venue.id])).get(event.venue.id) ?? event.venue;
      try {
        await client.index({
          index: alias,
          id: event.id,
          version: event.version,
          version_type: 'external',
          body: documentOf(event, venue, new Date()),
        });
      } catch (error) {
        // 409: the index holds this version or a newer one already.
        if (statusOf(error) !== 409) throw error;
      }
    },

    async applyVenue(trx, venue) {
      await sqlOn(trx).execute(
        `insert into search_venues (id, name, city, latitude, longitude) values (?, ?, ?, ?, ?)
         on conflict (id) do update set name = excluded.name, city = excluded.city,
           latitude = excluded.latitude, longitude = excluded.longitude`,
        [venue.id, venue.name, venue.city, venue.latitude, venue.longitude],
      );
      // Documents written in the last second are searchable only after a refresh.
      await client.indices.refresh({ index: alias });
      for (let attempt = 0; ; attempt += 1) {
        let conflicts = 0;
        for await (const hits of scan(alias, { term: { venueId: venue.id } })) {
          const now = new Date();
          const results = await bulk(
            hits.flatMap((hit) => [
              { index: { _index: alias, _id: hit._id, version: hit._version, version_type: 'external_gte' } },
              withVenue(hit._source as unknown as EventDocument, venue, now),
            ]),
          );
          conflicts += results.filter((item) => item.status === 409).length;
        }
        // A newer snapshot slipped in between the read and the write: read and write again.
        if (conflicts === 0) return;
        if (attempt >= 5) throw new Error(`venue ${venue.id}: events kept changing while their venue was rewritten`);
      }
    },

    async indexedVersion(id) {
      try {
        return (
          ((await client.get({ index: alias, id, _source: false })).body as { _version?: number })._version ?? null
        );
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },

    async size() {
      return ((await client.count({ index: alias })).body as { count: number }).count;
    },

    async rebuild(pages, started) {
      return exclusiveRebuild(db, started, async (trx) => {
        const began = new Date();
        const live = await aliasedIndices();
        const fresh = `${alias}-${began.getTime()}`;
        // No refreshes while loading: the fresh index is searched only after the swap.
        await createIndex(fresh, false, '-1');
        const fromSource = new Map<string, number>();
        let read = 0;
        try {
          for await (const page of pages) {
            if (page.length === 0) continue;
            read += page.length;
            await rememberVenues(
              trx,
              page.map((event) => event.venue),
            );
            const venues = await venuesById(trx, [...new Set(page.map((event) => event.venue.id))]);
            const now = new Date();
            const results = await bulk(
              page.flatMap((event) => [
                { index: { _index: fresh, _id: event.id, version: event.version, version_type: 'external' } },
                documentOf(event, venues.get(event.venue.id) ?? event.venue, now),
              ]),
            );
            for (const item of results) if (item.version !== undefined) fromSource.set(item.id, item.version);
          }

          /** Copies what the live index has that is newer, or written since `since`, into the fresh one. */
          const liveVersions = new Map<string, number>();
          const removed = new Set<string>();
          const merge = async (since: Date) => {
            // A scan sees only refreshed documents: without this, writes of the last second
            // would be neither copied nor counted.
            if (live.length > 0) await client.indices.refresh({ index: live });
            for (const index of live) {
              for await (const hits of scan(index, { match_all: {} })) {
                const keep = hits.filter((hit) => {
                  liveVersions.set(hit._id, hit._version);
                  const written = new Date(String(hit._source.indexedAt));
                  if (!fromSource.has(hit._id) && written < began) removed.add(hit._id);
                  return written >= since || (fromSource.has(hit._id) && fromSource.get(hit._id)! < hit._version);
                });
                await bulk(
                  keep.flatMap((hit) => [
                    { index: { _index: fresh, _id: hit._id, version: hit._version, version_type: 'external' } },
                    hit._source,
                  ]),
                );
              }
            }
          };
          await merge(began);
          await client.indices.putSettings({ index: fresh, body: { index: { refresh_interval: '1s' } } });
          await client.indices.refresh({ index: fresh });
          await client.indices.updateAliases({
            body: {
              actions: [...live.map((index) => ({ remove: { index, alias } })), { add: { index: fresh, alias } }],
            },
          });
          // Writes that reached the old index between the first merge and the swap.
          await merge(began);
          if (live.length > 0) await client.indices.delete({ index: live });
          await client.indices.refresh({ index: fresh });
          let written = 0;
          for (const [id, version] of fromSource) if ((liveVersions.get(id) ?? 0) < version) written += 1;
          logger.info(
            { fresh, replaced: live, read, written, removed: removed.size },
            'search index rebuilt and swapped in',
          );
          return { read, written, removed: removed.size } satisfies RebuildReport;
        } catch (error) {
          if (!(await aliasedIndices()).includes(fresh))
            await client.indices.delete({ index: fresh }).catch(() => undefined);
          throw error;
        }
      });
    },
  };
}
