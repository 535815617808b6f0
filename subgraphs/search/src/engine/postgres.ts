/**
 * The Postgres search engine, in search's own database: a weighted `tsvector` per event
 * (title A, venue and city B, description C) under the `search_text` configuration (accents
 * folded by `unaccent`), typo correction against the index's own vocabulary with
 * `fuzzystrmatch`'s Levenshtein distance (Elasticsearch's `fuzziness: AUTO`: exact below 3
 * letters, one edit from 3, two from 6), haversine distance in plain SQL, and facets, total
 * and page in one statement over the same materialised match set.
 */
import { sqlOn, type Database } from '@platform/service-kit';
import type { Knex } from 'knex';
import { z } from 'zod';
import { wordsOf, type SearchRequest } from '../domain/request.js';
import type { IndexedEvent, SearchEngine, SearchHit, SearchResult } from './port.js';
import { exclusiveRebuild } from './rebuild-lock.js';

/** Marks ts_headline puts around matched words; swapped for `<mark>` after escaping the text. */
const OPEN = '\u0001';
const CLOSE = '\u0002';
const HEADLINE_OPTIONS = `StartSel="${OPEN}", StopSel="${CLOSE}", MaxWords=25, MinWords=10, ShortWord=2, MaxFragments=1`;

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function markedHighlight(headline: string): string {
  return escapeHtml(headline).replaceAll(OPEN, '<mark>').replaceAll(CLOSE, '</mark>');
}

/** Edits a misspelt word may be away from an indexed one (Elasticsearch's AUTO). */
const editsAllowed = (word: string): number => (word.length >= 6 ? 2 : word.length >= 3 ? 1 : 0);

/** A lexeme quoted for to_tsquery. */
const lexeme = (word: string) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

const alternativesRow = z.object({ ord: z.coerce.number(), word: z.string().nullable(), exact: z.boolean() });

const facetList = z.array(z.object({ value: z.string(), count: z.number() }));
const resultRow = z.object({
  total: z.coerce.number(),
  categories: facetList,
  cities: facetList,
  hits: z.array(
    z.object({
      id: z.string(),
      score: z.union([z.string(), z.number()]).transform(String),
      starts_at: z.string(),
      headline: z.string().nullable(),
      distance_km: z.number().nullable(),
    }),
  ),
});

const suggestionRow = z.object({ id: z.string(), title: z.string() });

/** The columns of a staged snapshot, as jsonb_to_recordset reads them. */
const STAGED_COLUMNS = `id uuid, version int, organizer_id uuid, status text, title text, description text,
  category text, starts_at timestamptz, ends_at timestamptz, venue_id uuid, venue_name text, city text,
  latitude float8, longitude float8`;

/**
 * The tail of every insert into `search_events` (aliased `e`): a row replaces the indexed one
 * only when its version is newer, so redeliveries, replays and a rebuild never go back in time.
 */
const KEEP_NEWEST_VERSION = `on conflict (id) do update set
  version = excluded.version, organizer_id = excluded.organizer_id, status = excluded.status,
  title = excluded.title, description = excluded.description, category = excluded.category,
  starts_at = excluded.starts_at, ends_at = excluded.ends_at, venue_id = excluded.venue_id,
  venue_name = excluded.venue_name, city = excluded.city, latitude = excluded.latitude,
  longitude = excluded.longitude, document = excluded.document, title_words = excluded.title_words,
  indexed_at = now()
  where e.version < excluded.version`;

const stagedRow = (event: IndexedEvent) => ({
  id: event.id,
  version: event.version,
  organizer_id: event.organizerId,
  status: event.status,
  title: event.title,
  description: event.description,
  category: event.category,
  starts_at: event.startsAt,
  ends_at: event.endsAt,
  venue_id: event.venue.id,
  venue_name: event.venue.name,
  city: event.venue.city,
  latitude: event.venue.latitude,
  longitude: event.venue.longitude,
});

export function createPostgresEngine(db: Database): SearchEngine {
  const sql = sqlOn(db);

  /**
   * The tsquery text for `words`: every word must match (AND), each as itself when the index
   * knows it, otherwise as any indexed word within its allowed edits; null when a word
   * matches nothing (so nothing can match).
   */
  async function queryOf(words: string[], prefixLast: boolean): Promise<string | null> {
    const corrected = prefixLast ? words.slice(0, -1) : words;
    const rows =
      corrected.length === 0
        ? []
        : await sql.rows(
            alternativesRow,
            `with typed as (
         select t.ord, lower(unaccent(t.word)) as word, t.edits
           from unnest(?::text[], ?::int[]) with ordinality as t(word, edits, ord)
       )
       select typed.ord, typed.word, true as exact from typed
        where exists (select 1 from search_words w where w.word = typed.word)
       union all
       select typed.ord, w.word, false as exact
         from typed
         join search_words w
           on typed.edits > 0
          and length(w.word) between length(typed.word) - typed.edits and length(typed.word) + typed.edits
          and levenshtein_less_equal(w.word, typed.word, typed.edits) <= typed.edits
        where not exists (select 1 from search_words x where x.word = typed.word)`,
            [corrected, corrected.map(editsAllowed)],
          );
    const parts: string[] = [];
    for (const [index, word] of words.entries()) {
      const ord = index + 1;
      const alternatives = rows.filter((row) => row.ord === ord && row.word !== null).map((row) => row.word!);
      if (prefixLast && index === words.length - 1) {
        // The word being typed, as a prefix; to_tsquery folds accents and case like the index.
        parts.push(`${lexeme(word)}:*`);
        continue;
      }
      if (alternatives.length === 0) return null;
      parts.push(`(${[...new Set(alternatives)].map(lexeme).join(' | ')})`);
    }
    return parts.join(' & ');
  }

  return {
    name: 'postgres',
    async ready() {},
    async close() {},

    async indexedVersion(id) {
      const row = await sql.first(z.object({ version: z.number() }), 'select version from search_events where id = ?', [
        id,
      ]);
      return row?.version ?? null;
    },

    async size() {
      return (await sql.first(z.object({ n: z.coerce.number() }), 'select count(*) as n from search_events'))!.n;
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const hasText = request.words.length > 0;
      const query = hasText ? await queryOf(request.words, false) : '';
      if (query === null) {
        return { totalCount: 0, facets: { categories: [], cities: [] }, hits: [], hasNextPage: false };
      }
      // Every value is bound once, in this order, and the statement refers to it by name.
      const near = request.near;
      const params = {
        query: hasText ? query : null,
        now: request.now,
        from: request.from,
        to: request.to,
        categories: request.categories,
        organizer: request.drafts.kind === 'own' ? request.drafts.organizerId : null,
        latitude: near?.latitude ?? null,
        longitude: near?.longitude ?? null,
        radius: near?.radiusKm ?? null,
        // A latitude band first (one degree is ~111.2 km everywhere), then the exact distance.
        band: near ? near.radiusKm / 111.19 + 0.01 : null,
        afterScore: request.after?.score ?? null,
        afterStartsAt: request.after?.startsAt ?? null,
        afterId: request.after?.id ?? null,
        limit: request.first + 1,
        headline: HEADLINE_OPTIONS,
      };
      const visible = {
        none: `e.status = 'PUBLISHED'`,
        all: `e.status in ('PUBLISHED', 'DRAFT')`,
        own: `(e.status = 'PUBLISHED' or (e.status = 'DRAFT' and e.organizer_id = p.organizer))`,
      }[request.drafts.kind];
      // The filters take their values as parameters of their own rather than from `p`: the
      // planner then sees them and estimates each condition's rows. Through `p` it guessed 500
      // text matches and 3,700 in the date range for 4,000 and 25,000 (100,000 events), and
      // ANDed the start index's 25,000 entries into the text index's bitmap instead of
      // filtering the 4,000 rows it fetches anyway (bench/RESULTS.md: within noise here).
      const where = [visible, 'e.starts_at > ?::timestamptz'];
      const whereBindings: (Date | string | string[])[] = [request.now];
      if (hasText) {
        where.push(`e.document @@ to_tsquery('search_text', ?::text)`);
        whereBindings.push(query);
      }
      if (request.from) {
        where.push('e.starts_at >= ?::timestamptz');
        whereBindings.push(request.from);
      }
      if (request.to) {
        where.push('e.starts_at < ?::timestamptz');
        whereBindings.push(request.to);
      }
      if (request.categories) {
        where.push('lower(e.category) = any(?::text[])');
        whereBindings.push(request.categories);
      }
      const distance = near
        ? `(2 * 6371.0088 * asin(sqrt(
             power(sin(radians(e.latitude - p.latitude) / 2), 2)
             + cos(radians(p.latitude)) * cos(radians(e.latitude)) * power(sin(radians(e.longitude - p.longitude) / 2), 2))))`
        : 'null::double precision';
      if (near) {
        where.push('e.latitude between p.latitude - p.band and p.latitude + p.band');
        where.push(`${distance} <= p.radius`);
      }
      const score = hasText ? 'round(ts_rank(e.document, p.query)::numeric, 6)' : '0::numeric';
      const after = request.after
        ? `where m.score < p.after_score
              or (m.score = p.after_score and (m.starts_at, m.id) > (p.after_starts_at, p.after_id))`
        : '';
      const headline = hasText
        ? `ts_headline('search_text', pg.title || '. ' || pg.description, p.query, p.headline)`
        : 'null';

      const row = await sql.first(
        resultRow,
        `with p as (
           select to_tsquery('search_text', ?::text) as query, ?::timestamptz as now, ?::timestamptz as from_,
                  ?::timestamptz as to_, ?::text[] as categories, ?::uuid as organizer,
                  ?::float8 as latitude, ?::float8 as longitude, ?::float8 as radius, ?::float8 as band,
                  ?::numeric as after_score, ?::timestamptz as after_starts_at, ?::uuid as after_id,
                  ?::int as page_limit, ?::text as headline
         ),
         matches as materialized (
           select e.id, e.title, e.description, e.category, e.city, e.starts_at,
                  ${score} as score, ${distance} as distance_km
             from search_events e, p
            where ${where.join(' and ')}
         ),
         page as (
           select m.* from matches m, p ${after} order by m.score desc, m.starts_at, m.id limit (select page_limit from p)
         )
         select
           (select count(*) from matches) as total,
           (select coalesce(json_agg(json_build_object('value', value, 'count', n) order by n desc, value), '[]')
              from (select category as value, count(*) as n from matches group by category
                    order by n desc, value limit 50) c) as categories,
           (select coalesce(json_agg(json_build_object('value', value, 'count', n) order by n desc, value), '[]')
              from (select city as value, count(*) as n from matches group by city
                    order by n desc, value limit 50) c) as cities,
           (select coalesce(json_agg(json_build_object(
                     'id', pg.id, 'score', pg.score::text, 'starts_at', pg.starts_at, 'distance_km', pg.distance_km,
                     'headline', ${headline})
                   order by pg.score desc, pg.starts_at, pg.id), '[]')
              from page pg, p) as hits`,
        [
          params.query,
          params.now,
          params.from,
          params.to,
          params.categories,
          params.organizer,
          params.latitude,
          params.longitude,
          params.radius,
          params.band,
          params.afterScore,
          params.afterStartsAt,
          params.afterId,
          params.limit,
          params.headline,
          ...whereBindings,
        ],
      );
      const result = row!;
      const hits: SearchHit[] = result.hits.slice(0, request.first).map((hit) => ({
        id: hit.id,
        score: hit.score,
        startsAt: new Date(hit.starts_at),
        highlight: hit.headline === null ? null : markedHighlight(hit.headline),
        distanceKm: hit.distance_km === null ? null : Math.round(hit.distance_km * 1000) / 1000,
      }));
      return {
        totalCount: result.total,
        facets: { categories: result.categories, cities: result.cities },
        hits,
        hasNextPage: result.hits.length > request.first,
      };
    },

    async suggest(prefix, first, now) {
      const words = wordsOf(prefix).slice(0, 10);
      if (words.length === 0) return [];
      const query = await queryOf(words, true);
      if (query === null) return [];
      return sql.rows(
        suggestionRow,
        `select id, title from search_events
          where status = 'PUBLISHED' and starts_at > ? and title_words @@ to_tsquery('search_text', ?)
          order by starts_at, id limit ?`,
        [now, query, first],
      );
    },

    async applyEvent(trx, event) {
      const run = sqlOn(trx);
      // The venue as its own events last described it wins over the copy inside an event snapshot.
      await run.execute(
        `insert into search_venues (id, name, city, latitude, longitude) values (?, ?, ?, ?, ?)
         on conflict (id) do nothing`,
        [event.venue.id, event.venue.name, event.venue.city, event.venue.latitude, event.venue.longitude],
      );
      const written = await run.execute(
        `insert into search_events as e (id, version, organizer_id, status, title, description, category,
                                         starts_at, ends_at, venue_id, venue_name, city, latitude, longitude,
                                         document, title_words)
         select ?, ?, ?, ?, ?, ?, ?, ?, ?, v.id, v.name, v.city, v.latitude, v.longitude,
                search_document(?, v.name, v.city, ?), to_tsvector('search_text', ?)
           from search_venues v where v.id = ?
         ${KEEP_NEWEST_VERSION}`,
        [
          event.id,
          event.version,
          event.organizerId,
          event.status,
          event.title,
          event.description,
          event.category,
          event.startsAt,
          event.endsAt,
          event.title,
          event.description,
          event.title,
          event.venue.id,
        ],
      );
      if (written > 0) await rememberWords(trx, [event.id]);
    },

    async rebuild(pages, started) {
      return exclusiveRebuild(db, started, async (trx) => {
        const run = sqlOn(trx);
        // Rows written before this instant and absent from the source are gone from listings.
        const { began } = (await run.first(z.object({ began: z.date() }), 'select clock_timestamp() as began'))!;
        // The fresh index is staged in a table of this transaction; the live one serves meanwhile.
        await run.execute(
          `create temp table rebuild_events (${STAGED_COLUMNS.replace('id uuid,', 'id uuid primary key,')}) on commit drop`,
        );
        let read = 0;
        for await (const page of pages) {
          if (page.length === 0) continue;
          read += page.length;
          await run.execute(
            `insert into rebuild_events select * from jsonb_to_recordset(?::jsonb) as r(${STAGED_COLUMNS})
             on conflict (id) do update set version = excluded.version, organizer_id = excluded.organizer_id,
               status = excluded.status, title = excluded.title, description = excluded.description,
               category = excluded.category, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
               venue_id = excluded.venue_id, venue_name = excluded.venue_name, city = excluded.city,
               latitude = excluded.latitude, longitude = excluded.longitude
             where rebuild_events.version < excluded.version`,
            [JSON.stringify(page.map(stagedRow))],
          );
        }
        // The swap: consumers wait (readers do not) while the staged index replaces the live
        // one, keeping every live row at least as new as its staged snapshot.
        await run.execute('lock table search_events, search_venues in share row exclusive mode');
        // Venues as their own events described them win over the copies inside snapshots, as in applyEvent.
        await run.execute(
          `insert into search_venues (id, name, city, latitude, longitude)
           select distinct on (venue_id) venue_id, venue_name, city, latitude, longitude
             from rebuild_events order by venue_id
           on conflict (id) do nothing`,
        );
        const removed = await run.execute(
          `delete from search_events e
            where e.indexed_at < ? and not exists (select 1 from rebuild_events r where r.id = e.id)`,
          [began],
        );
        const written = await run.execute(
          `insert into search_events as e (id, version, organizer_id, status, title, description, category,
                                           starts_at, ends_at, venue_id, venue_name, city, latitude, longitude,
                                           document, title_words)
           select r.id, r.version, r.organizer_id, r.status, r.title, r.description, r.category, r.starts_at,
                  r.ends_at, v.id, v.name, v.city, v.latitude, v.longitude,
                  search_document(r.title, v.name, v.city, r.description), to_tsvector('search_text', r.title)
             from rebuild_events r join search_venues v on v.id = r.venue_id
            where not exists (select 1 from search_events x where x.id = r.id and x.version >= r.version)
           ${KEEP_NEWEST_VERSION}`,
        );
        await run.execute(
          `insert into search_words (word)
           select distinct word from search_events, unnest(tsvector_to_array(document)) as word
            where word ~ '^[[:alnum:]]+$'
           on conflict (word) do nothing`,
        );
        return { read, written, removed };
      });
    },

    async applyVenue(trx, venue) {
      const run = sqlOn(trx);
      await run.execute(
        `insert into search_venues (id, name, city, latitude, longitude) values (?, ?, ?, ?, ?)
         on conflict (id) do update set name = excluded.name, city = excluded.city,
           latitude = excluded.latitude, longitude = excluded.longitude`,
        [venue.id, venue.name, venue.city, venue.latitude, venue.longitude],
      );
      const changed = await run.rows(
        z.object({ id: z.string() }),
        `update search_events set venue_name = ?, city = ?, latitude = ?, longitude = ?,
                document = search_document(title, ?, ?, description)
          where venue_id = ? returning id`,
        [venue.name, venue.city, venue.latitude, venue.longitude, venue.name, venue.city, venue.id],
      );
      if (changed.length > 0)
        await rememberWords(
          trx,
          changed.map((row) => row.id),
        );
    },
  };
}

/** Adds the words of these events' documents to the vocabulary typo correction draws from. */
async function rememberWords(trx: Knex, eventIds: string[]): Promise<void> {
  await sqlOn(trx).execute(
    `insert into search_words (word)
     select distinct word from search_events, unnest(tsvector_to_array(document)) as word
      where id = any(?::uuid[]) and word ~ '^[[:alnum:]]+$'
     on conflict (word) do nothing`,
    [eventIds],
  );
}
