/**
 * Venues, events and their ticket types. `events.status` stores what an organizer decided
 * (DRAFT, PUBLISHED, CANCELLED); "ended" is read from `ends_at`, never written. `version`
 * grows by one with every change of an event: its domain events carry it so consumers keep
 * the newest snapshot. Money is `numeric` with its ISO 4217 code beside it, never a float.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists venues (
      id uuid primary key default gen_random_uuid(),
      -- identity owns users; the id is opaque here and never joined across databases.
      organizer_id uuid not null,
      name text not null,
      address text not null,
      city text not null,
      country_code char(2) not null,
      time_zone text not null,
      capacity integer not null,
      latitude double precision,
      longitude double precision,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint venues_capacity_positive check (capacity > 0),
      constraint venues_country_code_format check (country_code ~ '^[A-Z]{2}$'),
      constraint venues_latitude_range check (latitude between -90 and 90),
      constraint venues_longitude_range check (longitude between -180 and 180)
    );
    create index if not exists venues_name_idx on venues (name collate "C", id);

    create table if not exists events (
      id uuid primary key default gen_random_uuid(),
      organizer_id uuid not null,
      venue_id uuid not null references venues (id) on delete restrict,
      title text not null,
      description text not null,
      category text not null,
      status text not null default 'DRAFT',
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      version integer not null default 1,
      cancellation_reason text,
      published_at timestamptz,
      cancelled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint events_status_known check (status in ('DRAFT', 'PUBLISHED', 'CANCELLED')),
      constraint events_ends_after_start check (ends_at > starts_at)
    );
    -- The public listing's keyset order.
    create index if not exists events_listing_idx on events (starts_at, id) where status = 'PUBLISHED';
    create index if not exists events_venue_idx on events (venue_id) where status <> 'CANCELLED';

    create table if not exists ticket_types (
      id uuid primary key default gen_random_uuid(),
      event_id uuid not null references events (id) on delete cascade,
      name text not null,
      capacity integer not null,
      price_amount numeric not null,
      price_currency char(3) not null,
      -- The order the organizer listed them in.
      position integer not null,
      created_at timestamptz not null default now(),
      constraint ticket_types_capacity_not_negative check (capacity >= 0),
      constraint ticket_types_price_not_negative check (price_amount >= 0)
    );
    create unique index if not exists ticket_types_event_name_key on ticket_types (event_id, lower(name));
    create index if not exists ticket_types_event_idx on ticket_types (event_id, position);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists ticket_types;
    drop table if exists events;
    drop table if exists venues;
  `);
}
