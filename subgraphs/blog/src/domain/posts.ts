/**
 * Every change to posts: checked, written and announced in one transaction (the domain event
 * goes to the outbox with the change, ADR 0002; a scheduled publication's job is written in
 * it too). Changes of one post serialize on its row lock, and `version` grows with each, so a
 * client editing an old copy gets a CONFLICT instead of overwriting a newer change.
 */
import { randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  InputProblems,
  notFound,
  type BaseContext,
  type Database,
} from '@platform/service-kit';
import { createEvent, NO_REQUEST, requestContextOf } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { PostModel } from '../mappers.js';
import { createStores, type Stores } from '../stores/index.js';
import type { PostChanges } from '../stores/post-store.js';
import { canSee, requireAuthorOrModerator } from './access.js';
import { isUuid, normaliseUuid } from './ids.js';
import { contentProblem, normaliseTags, slugOf, titleProblem } from './rules.js';

/** How far ahead a post may be scheduled. */
const MAX_SCHEDULE_MS = 366 * 24 * 60 * 60 * 1000;
/** Candidates tried for a taken slug (`hello`, `hello-2`, …) before a random suffix. */
const SLUG_ATTEMPTS = 20;

type PostEventType =
  | 'platform.blog.post.created.v1'
  | 'platform.blog.post.updated.v1'
  | 'platform.blog.post.published.v1'
  | 'platform.blog.post.scheduled.v1'
  | 'platform.blog.post.archived.v1'
  | 'platform.blog.post.deleted.v1';

/** Sends the publish job of a scheduled post in the schedule's transaction. */
export type SchedulePublication = (trx: Knex.Transaction, post: PostModel & { publishAt: Date }) => Promise<void>;

export interface PostInput {
  title: string;
  content: string;
  tags?: readonly string[] | null;
}

export interface PostUpdate {
  id: string;
  expectedVersion: number;
  title?: string | null;
  content?: string | null;
  tags?: readonly string[] | null;
}

export interface Posts {
  create(context: BaseContext, authorId: string, input: PostInput): Promise<PostModel>;
  update(context: BaseContext, input: PostUpdate): Promise<PostModel>;
  publish(context: BaseContext, id: string): Promise<PostModel>;
  schedule(context: BaseContext, id: string, publishAt: Date): Promise<PostModel>;
  archive(context: BaseContext, id: string): Promise<PostModel>;
  delete(context: BaseContext, id: string): Promise<void>;
  /** The job's work: publishes the post if it still waits for `publishAt`; false when it does not. */
  publishScheduled(id: string, publishAt: Date): Promise<boolean>;
}

/** The post as events carry it (no content: readers ask the blog). */
function snapshot(post: PostModel) {
  return {
    id: post.id,
    version: post.version,
    authorId: post.authorId,
    title: post.title,
    slug: post.slug,
    tags: post.tags,
    status: post.status,
    publishAt: post.publishAt?.toISOString() ?? null,
    publishedAt: post.publishedAt?.toISOString() ?? null,
  };
}

const unchanged = (post: PostModel): PostChanges => ({
  title: post.title,
  content: post.content,
  slug: post.slug,
  tags: post.tags,
  status: post.status,
  publishAt: post.publishAt,
  publishedAt: post.publishedAt,
});

export function createPosts(options: {
  db: Database;
  schedulePublication: SchedulePublication;
  now?: () => Date;
}): Posts {
  const { db, schedulePublication } = options;
  const now = options.now ?? (() => new Date());

  async function announce(stores: Stores, context: BaseContext | null, type: PostEventType, post: PostModel) {
    await stores.enqueue(
      createEvent({
        type,
        subject: post.id,
        data: {
          actorId: context?.caller.userId ?? null,
          target: { type: 'post', id: post.id },
          context: context ? requestContextOf(context) : NO_REQUEST,
          post: snapshot(post),
        },
      }),
    );
  }

  /** The slug for `title` that no other post has or had: `base`, `base-2`, … (claimed in the transaction). */
  async function claimSlugFor(stores: Stores, title: string, postId: string): Promise<string> {
    const base = slugOf(title);
    for (let attempt = 1; attempt <= SLUG_ATTEMPTS; attempt += 1) {
      const candidate = attempt === 1 ? base : `${base}-${attempt}`;
      if (await stores.posts.claimSlug(candidate, postId)) return candidate;
    }
    // A title many posts share: a random suffix rather than a long scan.
    const candidate = `${base}-${randomUUID().slice(0, 8)}`;
    if (await stores.posts.claimSlug(candidate, postId)) return candidate;
    throw conflict('No free slug for this title: change it a little');
  }

  /**
   * The post locked for a change by the caller: NOT_FOUND when it does not exist or the
   * caller may not see it, FORBIDDEN when they see it but neither wrote it nor moderate.
   */
  async function lockPost(stores: Stores, context: BaseContext, id: string, action: string): Promise<PostModel> {
    const post = isUuid(id) ? await stores.posts.lockById(normaliseUuid(id)) : null;
    if (!post || !canSee(context, post)) throw notFound(`No post with id ${id}`);
    requireAuthorOrModerator(context, post, action);
    return post;
  }

  const change = <T>(work: (stores: Stores, trx: Knex.Transaction) => Promise<T>) =>
    db.transaction((trx) => work(createStores(trx), trx));

  return {
    async create(context, authorId, input) {
      const problems = new InputProblems('input');
      problems.add('title', titleProblem(input.title));
      problems.add('content', contentProblem(input.content));
      const tags = normaliseTags(problems, input.tags ?? []);
      problems.throwIfAny();
      return change(async (stores) => {
        const id = randomUUID();
        const title = input.title.trim();
        const slug = await claimSlugFor(stores, title, id);
        const post = await stores.posts.create({
          id,
          authorId: authorId.toLowerCase(),
          title,
          content: input.content,
          slug,
          tags,
        });
        await announce(stores, context, 'platform.blog.post.created.v1', post);
        return post;
      });
    },

    async update(context, input) {
      const problems = new InputProblems('input');
      if (input.title === null) problems.add('title', 'must not be null (leave it out to keep the title)');
      else if (input.title !== undefined) problems.add('title', titleProblem(input.title));
      if (input.content === null) problems.add('content', 'must not be null (leave it out to keep the content)');
      else if (input.content !== undefined) problems.add('content', contentProblem(input.content));
      const tags = input.tags ? normaliseTags(problems, input.tags) : null;
      if (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 1) {
        problems.add('expectedVersion', 'must be a version the post had (1 or more)');
      }
      problems.throwIfAny();
      return change(async (stores) => {
        const post = await lockPost(stores, context, input.id, 'change');
        if (post.version !== input.expectedVersion) {
          throw conflict(
            `The post changed meanwhile: it is at version ${post.version}, not ${input.expectedVersion}. Reload it and apply your change again`,
          );
        }
        const title = input.title?.trim() ?? post.title;
        // A new title moves the slug; the old one stays in post_slugs and keeps leading here.
        const slug = title !== post.title ? await claimSlugFor(stores, title, post.id) : post.slug;
        const updated = await stores.posts.update(post.id, {
          ...unchanged(post),
          title,
          slug,
          content: input.content ?? post.content,
          tags: tags ?? post.tags,
        });
        await announce(stores, context, 'platform.blog.post.updated.v1', updated);
        return updated;
      });
    },

    async publish(context, id) {
      return change(async (stores) => {
        const post = await lockPost(stores, context, id, 'publish');
        if (post.status === 'PUBLISHED') throw conflict('The post is already published');
        if (post.status === 'ARCHIVED') throw conflict('The post is archived: it cannot be published again');
        // A pending publish job finds the post no longer SCHEDULED and does nothing.
        const published = await stores.posts.update(post.id, {
          ...unchanged(post),
          status: 'PUBLISHED',
          publishAt: null,
          publishedAt: now(),
        });
        await announce(stores, context, 'platform.blog.post.published.v1', published);
        return published;
      });
    },

    async schedule(context, id, publishAt) {
      const at = now().getTime();
      if (publishAt.getTime() <= at) throw badUserInput({ 'input.publishAt': 'must be in the future' });
      if (publishAt.getTime() > at + MAX_SCHEDULE_MS) {
        throw badUserInput({ 'input.publishAt': 'must be at most a year ahead' });
      }
      return change(async (stores, trx) => {
        const post = await lockPost(stores, context, id, 'schedule');
        if (post.status === 'PUBLISHED') throw conflict('The post is already published');
        if (post.status === 'ARCHIVED') throw conflict('The post is archived: it cannot be scheduled');
        const scheduled = await stores.posts.update(post.id, { ...unchanged(post), status: 'SCHEDULED', publishAt });
        // In this transaction: the job exists exactly when the schedule does. A job of an
        // earlier time stays queued and finds the post waiting for another time: it does nothing.
        await schedulePublication(trx, { ...scheduled, publishAt });
        await announce(stores, context, 'platform.blog.post.scheduled.v1', scheduled);
        return scheduled;
      });
    },

    async archive(context, id) {
      return change(async (stores) => {
        const post = await lockPost(stores, context, id, 'archive');
        if (post.status !== 'PUBLISHED') {
          throw conflict(`Only a published post can be archived; this one is ${post.status.toLowerCase()}`);
        }
        const archived = await stores.posts.update(post.id, { ...unchanged(post), status: 'ARCHIVED' });
        await announce(stores, context, 'platform.blog.post.archived.v1', archived);
        return archived;
      });
    },

    async delete(context, id) {
      await change(async (stores) => {
        const post = await lockPost(stores, context, id, 'delete');
        const deleted = await stores.posts.softDelete(post.id);
        await announce(stores, context, 'platform.blog.post.deleted.v1', deleted!);
      });
    },

    async publishScheduled(id, publishAt) {
      return change(async (stores) => {
        // One statement that re-checks the state under the row lock: of two replicas running
        // the job (or a retry after a crash), only the first finds the post still SCHEDULED.
        const published = await stores.posts.publishScheduled(id, publishAt);
        if (!published) return false;
        await announce(stores, null, 'platform.blog.post.published.v1', published);
        return true;
      });
    },
  };
}
