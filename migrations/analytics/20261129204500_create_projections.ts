/**
 * The analytics projections: every table is derived from domain events only, so an empty
 * database replayed from the start of the topics holds the same rows. Facts that events may
 * deliver out of order are merged (a status never moves back, a snapshot only replaces an
 * older version), so the arrival order does not change the result.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The latest listings snapshot of each event (version-guarded).
    create table if not exists event_snapshots (
      event_id uuid primary key,
      version integer not null,
      organizer_id uuid not null,
      status text not null,
      time_zone text not null,
      capacity integer not null check (capacity >= 0),
      -- The currency of its ticket prices; null while it has no ticket type.
      currency_code text
    );

    -- One row per booking, merged from held, confirmed, expired and cancelled in any order.
    create table if not exists booking_facts (
      booking_id uuid primary key,
      event_id uuid not null,
      quantity integer not null,
      total_amount numeric not null,
      currency_code text not null,
      held_at timestamptz,
      expires_at timestamptz,
      confirmed_at timestamptz,
      expired_at timestamptz,
      cancelled_at timestamptz
    );
    create index if not exists booking_facts_event_idx on booking_facts (event_id);
    create index if not exists booking_facts_confirmed_idx on booking_facts (confirmed_at);

    create table if not exists refund_facts (
      refund_id uuid primary key,
      booking_id uuid not null,
      event_id uuid not null,
      amount numeric not null,
      currency_code text not null,
      issued_at timestamptz not null
    );
    create index if not exists refund_facts_event_idx on refund_facts (event_id);

    create table if not exists waitlist_facts (
      entry_id uuid primary key,
      event_id uuid not null,
      quantity integer not null,
      joined_at timestamptz,
      offered_at timestamptz
    );
    create index if not exists waitlist_facts_event_idx on waitlist_facts (event_id);

    create table if not exists check_in_facts (
      ticket_id uuid primary key,
      event_id uuid not null,
      checked_in_at timestamptz not null
    );

    create table if not exists user_registrations (
      user_id uuid primary key,
      registered_at timestamptz not null
    );

    create table if not exists login_facts (
      session_id uuid primary key,
      user_id uuid not null,
      logged_in_at timestamptz not null
    );
    create index if not exists login_facts_at_idx on login_facts (logged_in_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists login_facts, user_registrations, check_in_facts, waitlist_facts,
      refund_facts, booking_facts, event_snapshots
  `);
}
