/**
 * The bookings database: bookings' own copy of listings' events and ticket types (fed by
 * their snapshots), the per-ticket-type counter row every hold locks (ADR 0007), bookings,
 * payments, refunds, tickets, the waiting list, idempotency keys, the development payment
 * sandbox's own ledger, and the transactional outbox. The SQL is frozen here.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists outbox (
      id uuid primary key,
      seq bigint generated always as identity,
      topic text not null,
      key text not null,
      payload jsonb not null,
      created_at timestamptz not null default now(),
      available_at timestamptz not null default now(),
      attempts integer not null default 0,
      last_error text,
      published_at timestamptz
    );
    create index if not exists outbox_unpublished_idx on outbox (seq) where published_at is null;
    create index if not exists outbox_unpublished_key_idx on outbox (key, seq) where published_at is null;
    create index if not exists outbox_published_at_idx on outbox (published_at) where published_at is not null;

    -- Listings' events as of the newest snapshot applied (version).
    create table if not exists events (
      id uuid primary key,
      version integer not null,
      organizer_id uuid not null,
      status text not null check (status in ('DRAFT', 'PUBLISHED', 'CANCELLED')),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      time_zone text not null,
      updated_at timestamptz not null default now()
    );

    -- The counter row: every change of sold or held locks it (select ... for update).
    create table if not exists ticket_types (
      id uuid primary key,
      event_id uuid not null references events (id),
      name text not null,
      capacity integer not null check (capacity >= 0),
      price_amount numeric(20, 4) not null,
      currency_code text not null,
      sold integer not null default 0 check (sold >= 0),
      held integer not null default 0 check (held >= 0)
    );
    create index if not exists ticket_types_event_idx on ticket_types (event_id);

    create table if not exists bookings (
      id uuid primary key,
      user_id uuid not null,
      event_id uuid not null references events (id),
      ticket_type_id uuid not null references ticket_types (id),
      quantity integer not null check (quantity > 0),
      status text not null check (status in ('HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED')),
      total_amount numeric(20, 4) not null,
      currency_code text not null,
      expires_at timestamptz not null,
      -- Declined charges so far: part of the provider idempotency key of the next attempt.
      payment_attempt integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index if not exists bookings_user_idx on bookings (user_id, created_at desc, id desc);
    create index if not exists bookings_event_idx on bookings (event_id) where status in ('HELD', 'CONFIRMED');
    create index if not exists bookings_held_expiry_idx on bookings (expires_at) where status = 'HELD';

    create table if not exists payments (
      id uuid primary key,
      booking_id uuid not null unique references bookings (id),
      status text not null check (status in ('SUCCEEDED', 'REFUNDED')),
      amount numeric(20, 4) not null,
      currency_code text not null,
      provider text not null,
      provider_charge_id text not null,
      created_at timestamptz not null default now()
    );

    create table if not exists refunds (
      id uuid primary key,
      booking_id uuid not null unique references bookings (id),
      payment_id uuid not null references payments (id),
      status text not null check (status in ('SUCCEEDED')),
      amount numeric(20, 4) not null,
      currency_code text not null,
      provider_refund_id text not null,
      created_at timestamptz not null default now()
    );

    create table if not exists tickets (
      id uuid primary key,
      booking_id uuid not null references bookings (id),
      code text not null unique,
      checked_in_at timestamptz,
      checked_in_by uuid
    );
    create index if not exists tickets_booking_idx on tickets (booking_id);

    create table if not exists waitlist_entries (
      id uuid primary key,
      -- The queue's order across every ticket type.
      seq bigint generated always as identity,
      user_id uuid not null,
      event_id uuid not null references events (id),
      ticket_type_id uuid not null references ticket_types (id),
      quantity integer not null check (quantity > 0),
      status text not null check (status in ('WAITING', 'OFFERED', 'ACCEPTED', 'LAPSED', 'CANCELLED')),
      offer_expires_at timestamptz,
      booking_id uuid references bookings (id),
      created_at timestamptz not null default now()
    );
    create index if not exists waitlist_waiting_idx on waitlist_entries (ticket_type_id, seq) where status = 'WAITING';
    create index if not exists waitlist_user_idx on waitlist_entries (user_id, seq);
    create unique index if not exists waitlist_one_open_entry_idx on waitlist_entries (user_id, ticket_type_id)
      where status in ('WAITING', 'OFFERED');

    -- A mutation's key per caller: the first result, for 24 hours.
    create table if not exists idempotency_keys (
      caller text not null,
      key text not null,
      request_hash text not null,
      status text not null check (status in ('in_flight', 'done')),
      booking_id uuid,
      created_at timestamptz not null default now(),
      primary key (caller, key)
    );
    create index if not exists idempotency_keys_created_idx on idempotency_keys (created_at);

    -- The development sandbox provider's own books, shared by every replica: one row per
    -- provider idempotency key, as a real provider keeps them.
    create table if not exists sandbox_payment_ledger (
      id text primary key,
      idempotency_key text not null unique,
      kind text not null check (kind in ('charge', 'refund')),
      outcome text not null check (outcome in ('succeeded', 'declined')),
      amount numeric(20, 4) not null,
      currency_code text not null,
      charge_id text,
      created_at timestamptz not null default now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists sandbox_payment_ledger;
    drop table if exists idempotency_keys;
    drop table if exists waitlist_entries;
    drop table if exists tickets;
    drop table if exists refunds;
    drop table if exists payments;
    drop table if exists bookings;
    drop table if exists ticket_types;
    drop table if exists events;
    drop table if exists outbox;
  `);
}
