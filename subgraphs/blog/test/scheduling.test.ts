/**
 * Scheduled publishing through the durable job `blog.publish-post` (pg-boss in blog's own
 * database): a post scheduled 2 s ahead publishes once with two replicas running on one
 * database, and once when the only replica was stopped before the time and started after it.
 * Also: rescheduling leaves the earlier job nothing to do, and a re-run of the job publishes
 * nothing a second time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, outboxEvents, startSubgraph } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogSubgraph } from '../src/subgraph.js';
import { author, type BlogHarness, createPost, POST, type PostView, SCHEDULE_POST } from './support.js';

const JOBS = { JOBS_POLLING_INTERVAL_SECONDS: '0.5' };

let first: BlogHarness;
let second: BlogHarness;
beforeAll(async () => {
  first = await startSubgraph(blogSubgraph, { env: JOBS });
  // A second replica: same database, same bus, its own job workers.
  second = await startSubgraph(blogSubgraph, {
    env: JOBS,
    databaseUrl: first.databaseUrl,
    eventTransport: first.eventTransport,
  });
});
afterAll(async () => {
  await second?.stop();
  await first?.stop();
});

async function schedule(blog: BlogHarness, writer: ReturnType<typeof author>, id: string, publishAt: Date) {
  const result = await blog.graphql<{ schedulePost: { post: PostView } }>(
    SCHEDULE_POST,
    { id, publishAt: publishAt.toISOString() },
    writer,
  );
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.schedulePost.post;
}

const readPost = async (blog: BlogHarness, slug: string) =>
  (await blog.graphql<{ post: PostView | null }>(POST, { slug })).body.data?.post ?? null;

describe('scheduled publishing', () => {
  it('publishes a post scheduled 2 s ahead once, with two replicas running', async () => {
    const writer = author();
    const post = await createPost(first, writer);
    const publishAt = new Date(Date.now() + 2000);
    await schedule(second, writer, post.id, publishAt);
    expect(await readPost(first, post.slug)).toBeNull();

    const published = await eventually(
      async () => {
        const found = await readPost(first, post.slug);
        return found?.status === 'PUBLISHED' ? found : undefined;
      },
      'the scheduled post to publish',
      15_000,
    );
    expect(new Date(published.publishedAt!).getTime()).toBeGreaterThanOrEqual(publishAt.getTime());
    expect(published).toMatchObject({ version: 3, publishAt: null });
    await eventually(
      () => first.published('platform.blog.post.published.v1').some((event) => event.subject === post.id),
      'the published event on the bus',
    );
    // Give the other replica's worker several polls to (wrongly) publish again.
    await sleep(2000);
    expect(await outboxEvents(first, post.id, 'platform.blog.post.published.v1')).toHaveLength(1);
    expect(first.published('platform.blog.post.published.v1').filter((e) => e.subject === post.id)).toHaveLength(1);
    expect((await readPost(first, post.slug))!.version).toBe(3);
  });

  it('publishes only at the latest time when a post is rescheduled, and a re-run of its job does nothing', async () => {
    const writer = author();
    const post = await createPost(first, writer);
    const early = new Date(Date.now() + 60_000);
    await schedule(first, writer, post.id, early);
    const publishAt = new Date(Date.now() + 1500);
    await schedule(first, writer, post.id, publishAt);
    await eventually(
      async () => (await readPost(first, post.slug))?.status === 'PUBLISHED',
      'the rescheduled post to publish',
      15_000,
    );
    // Both times' jobs run again now (as a retry or a duplicate delivery would): nothing changes.
    const reruns = await Promise.all(
      [early, publishAt].map((at) =>
        first.subgraph.jobs!.send(
          'blog.publish-post',
          { postId: post.id, publishAt: at.toISOString() },
          { singletonKey: `rerun:${post.id}@${at.toISOString()}` },
        ),
      ),
    );
    const ids = reruns.filter((id): id is string => id !== null);
    expect(ids).toHaveLength(2);
    await eventually(
      async () => {
        const { rows } = await first.db.raw<{ rows: { state: string }[] }>(
          `select state from pgboss.job where id = any(?::uuid[])`,
          [ids],
        );
        return rows.length === 2 && rows.every((row) => row.state === 'completed');
      },
      'the re-runs to complete',
      15_000,
    );
    expect((await readPost(first, post.slug))!.version).toBe(4);
    expect(await outboxEvents(first, post.id, 'platform.blog.post.published.v1')).toHaveLength(1);
  });
});

describe('across a restart', () => {
  it('publishes a post whose time came while no replica ran, once, after the start', async () => {
    const database = first.databaseUrl;
    const writer = author();
    const post = await createPost(first, writer);
    const publishAt = new Date(Date.now() + 2000);
    await schedule(first, writer, post.id, publishAt);
    await second.stop();
    await first.stop();
    // Down past the publication time: nothing may publish meanwhile.
    await sleep(Math.max(0, publishAt.getTime() - Date.now()) + 500);
    first = await startSubgraph(blogSubgraph, { env: JOBS, databaseUrl: database });
    second = await startSubgraph(blogSubgraph, {
      env: JOBS,
      databaseUrl: database,
      eventTransport: first.eventTransport,
    });
    const published = await eventually(
      async () => {
        const found = await readPost(first, post.slug);
        return found?.status === 'PUBLISHED' ? found : undefined;
      },
      'the overdue post to publish after the restart',
      15_000,
    );
    expect(published.version).toBe(3);
    await sleep(1500);
    expect(await outboxEvents(first, post.id, 'platform.blog.post.published.v1')).toHaveLength(1);
  });
});
