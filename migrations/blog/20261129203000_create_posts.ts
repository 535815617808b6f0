/**
 * Posts and their slugs. `post_slugs` holds every slug a post ever had (the current one is
 * `posts.slug`), so an old link still finds the post after a title change; a slug belongs to
 * one post forever, deleted posts included. Deleting is soft (`deleted_at`): the audit trail
 * keeps pointing at a row, and a publish job that fires afterwards finds nothing to publish.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table if not exists posts (
      id uuid primary key,
      author_id uuid not null,
      title text not null,
      content text not null,
      slug text not null,
      tags text[] not null default '{}',
      status text not null check (status in ('DRAFT', 'SCHEDULED', 'PUBLISHED', 'ARCHIVED')),
      publish_at timestamptz,
      published_at timestamptz,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz,
      check (status <> 'SCHEDULED' or publish_at is not null),
      check (status not in ('PUBLISHED', 'ARCHIVED') or published_at is not null)
    );

    create table if not exists post_slugs (
      slug text primary key,
      post_id uuid not null references posts (id) deferrable initially deferred,
      created_at timestamptz not null default now()
    );

    -- The public list: newest published first, then id, as the keyset the cursors hold.
    create index if not exists posts_published_idx on posts (published_at desc, id desc)
      where status = 'PUBLISHED' and deleted_at is null;
    create index if not exists posts_tags_idx on posts using gin (tags);
    create index if not exists post_slugs_post_idx on post_slugs (post_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists post_slugs; drop table if exists posts');
}
