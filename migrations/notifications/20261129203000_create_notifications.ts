/**
 * Notifications' own tables: a copy of the users it writes to (from identity's events), their
 * preferences and quiet hours, the in-app notifications, and every delivery (the history).
 * Frozen SQL: later code changes never change what this migration did.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists recipients (
      user_id uuid primary key,
      email text not null,
      name text not null,
      -- Quiet hours are local wall-clock times read in time_zone; both null means none.
      time_zone text not null default 'UTC',
      quiet_start time,
      quiet_end time,
      updated_at timestamptz not null default now()
    );

    create table if not exists preferences (
      user_id uuid not null,
      kind text not null,
      email boolean not null,
      in_app boolean not null,
      primary key (user_id, kind)
    );

    create table if not exists notifications (
      id uuid primary key,
      user_id uuid not null,
      kind text not null,
      title text not null,
      body text not null,
      created_at timestamptz not null default now(),
      read_at timestamptz
    );
    create index if not exists notifications_user_created_idx on notifications (user_id, created_at desc, id desc);
    create index if not exists notifications_unread_idx on notifications (user_id) where read_at is null;

    -- One row per (source, channel), written before anything is sent: a redelivered event or a
    -- retried call finds it and sends nothing. pending -> sent | failed; held mail is pending
    -- with a later send_after.
    create table if not exists deliveries (
      id uuid primary key,
      source_key text not null,
      channel text not null check (channel in ('email', 'in_app')),
      user_id uuid not null,
      kind text not null,
      recipient text,
      subject text not null,
      text_body text not null,
      html_body text,
      state text not null check (state in ('pending', 'sent', 'failed', 'skipped')),
      send_after timestamptz not null default now(),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      unique (source_key, channel)
    );
    create index if not exists deliveries_user_idx on deliveries (user_id, created_at desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists deliveries, notifications, preferences, recipients');
}
