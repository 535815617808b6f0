/**
 * SQL for posts and their slugs. Rows are checked at this boundary and returned as
 * `PostModel`s; ids given here must already be lower-case UUIDs. Deleted posts are invisible
 * to every read but `slugTaken` (a slug is never given to a second post).
 */
import { sqlOn, type Database } from '@platform/service-kit';
import { z } from 'zod';
import type { PostModel, PostStatusValue } from '../mappers.js';

const postRow = z.object({
  id: z.string(),
  author_id: z.string(),
  title: z.string(),
  content: z.string(),
  slug: z.string(),
  tags: z.array(z.string()),
  status: z.enum(['DRAFT', 'SCHEDULED', 'PUBLISHED', 'ARCHIVED']),
  publish_at: z.date().nullable(),
  published_at: z.date().nullable(),
  version: z.number().int(),
  created_at: z.date(),
  updated_at: z.date(),
});

const COLUMNS =
  'p.id, p.author_id, p.title, p.content, p.slug, p.tags, p.status, p.publish_at, p.published_at, p.version, p.created_at, p.updated_at';
const RETURNING = COLUMNS.replace(/p\./g, '');

const sql = {
  findBySlug: `select ${COLUMNS} from post_slugs s join posts p on p.id = s.post_id
    where s.slug = ? and p.deleted_at is null`,
  findManyByIds: `select ${COLUMNS} from posts p where p.id = any(?::uuid[]) and p.deleted_at is null`,
  lockById: `select ${COLUMNS} from posts p where p.id = ? and p.deleted_at is null for update`,
  // Keyset on (published_at, id) descending: rows published meanwhile never shift a page.
  publishedPage: `select ${COLUMNS} from posts p
    where p.status = 'PUBLISHED' and p.deleted_at is null
      and (?::text is null or p.tags @> array[?::text])
      and (?::timestamptz is null or (p.published_at, p.id) < (?::timestamptz, ?::uuid))
    order by p.published_at desc, p.id desc limit ?`,
  create: `insert into posts (id, author_id, title, content, slug, tags, status)
    values (?, ?, ?, ?, ?, ?::text[], 'DRAFT') returning ${RETURNING}`,
  claimSlug: `insert into post_slugs (slug, post_id) values (?, ?) on conflict (slug) do nothing`,
  slugOwner: `select post_id from post_slugs where slug = ?`,
  update: `update posts set title = ?, content = ?, slug = ?, tags = ?::text[], status = ?, publish_at = ?,
    published_at = ?, version = version + 1, updated_at = now() where id = ? returning ${RETURNING}`,
  // The scheduled publication: only while the post still waits for exactly this time.
  // Milliseconds, like every time a client sees and every cursor: a keyset of truncated times stays exact.
  publishScheduled: `update posts set status = 'PUBLISHED', published_at = date_trunc('milliseconds', now()), publish_at = null,
    version = version + 1, updated_at = now()
    where id = ? and status = 'SCHEDULED' and publish_at = ? and deleted_at is null returning ${RETURNING}`,
  softDelete: `update posts set deleted_at = now(), version = version + 1, updated_at = now()
    where id = ? and deleted_at is null returning ${RETURNING}`,
} as const;

function toPost(row: z.infer<typeof postRow>): PostModel {
  return {
    id: row.id,
    authorId: row.author_id,
    title: row.title,
    content: row.content,
    slug: row.slug,
    tags: row.tags,
    status: row.status,
    publishAt: row.publish_at,
    publishedAt: row.published_at,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What a change writes (the store bumps `version` and `updatedAt`). */
export interface PostChanges {
  title: string;
  content: string;
  slug: string;
  tags: string[];
  status: PostStatusValue;
  publishAt: Date | null;
  publishedAt: Date | null;
}

export interface PostStore {
  /** The post that has or had `slug`. */
  findBySlug(slug: string): Promise<PostModel | null>;
  findManyByIds(ids: readonly string[]): Promise<PostModel[]>;
  /** The post, locked until the transaction ends: changes of one post serialize on it. */
  lockById(id: string): Promise<PostModel | null>;
  /** Up to `limit` published posts after `after`, newest first, optionally with `tag`. */
  publishedPage(options: {
    tag: string | null;
    after: { publishedAt: Date; id: string } | null;
    limit: number;
  }): Promise<PostModel[]>;
  create(post: {
    id: string;
    authorId: string;
    title: string;
    content: string;
    slug: string;
    tags: string[];
  }): Promise<PostModel>;
  /** Records `slug` as one of the post's slugs; false when it belongs to another post. */
  claimSlug(slug: string, postId: string): Promise<boolean>;
  update(id: string, changes: PostChanges): Promise<PostModel>;
  /** Publishes the post if it is still SCHEDULED for `publishAt`; null when it is not (nothing changed). */
  publishScheduled(id: string, publishAt: Date): Promise<PostModel | null>;
  softDelete(id: string): Promise<PostModel | null>;
}

export function createPostStore(db: Database): PostStore {
  const q = sqlOn(db);
  return {
    async findBySlug(slug) {
      return (await q.first(postRow.transform(toPost), sql.findBySlug, [slug])) ?? null;
    },
    findManyByIds: (ids) => q.rows(postRow.transform(toPost), sql.findManyByIds, [[...ids]]),
    async lockById(id) {
      return (await q.first(postRow.transform(toPost), sql.lockById, [id])) ?? null;
    },
    publishedPage: ({ tag, after, limit }) =>
      q.rows(postRow.transform(toPost), sql.publishedPage, [
        tag,
        tag,
        after?.publishedAt ?? null,
        after?.publishedAt ?? null,
        after?.id ?? null,
        limit,
      ]),
    async create(post) {
      const created = await q.first(postRow.transform(toPost), sql.create, [
        post.id,
        post.authorId,
        post.title,
        post.content,
        post.slug,
        post.tags,
      ]);
      return created!;
    },
    async claimSlug(slug, postId) {
      await q.execute(sql.claimSlug, [slug, postId]);
      const owner = await q.first(z.object({ post_id: z.string() }), sql.slugOwner, [slug]);
      return owner?.post_id === postId;
    },
    async update(id, changes) {
      const updated = await q.first(postRow.transform(toPost), sql.update, [
        changes.title,
        changes.content,
        changes.slug,
        changes.tags,
        changes.status,
        changes.publishAt,
        changes.publishedAt,
        id,
      ]);
      return updated!;
    },
    async publishScheduled(id, publishAt) {
      return (await q.first(postRow.transform(toPost), sql.publishScheduled, [id, publishAt])) ?? null;
    },
    async softDelete(id) {
      return (await q.first(postRow.transform(toPost), sql.softDelete, [id])) ?? null;
    },
  };
}
