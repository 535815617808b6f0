/**
 * The blog subgraph: posts with Markdown content (rendered to sanitized HTML on read), slugs
 * that keep redirecting after a title change, ordered tags, authors (identity's users) and
 * the status DRAFT → SCHEDULED → PUBLISHED → ARCHIVED with optimistic concurrency. Every change
 * publishes an event through the outbox (audit records them). A scheduled post publishes
 * through a durable job (`blog.publish-post`, pg-boss in blog's own database) written in the
 * schedule's transaction: it survives restarts, and of several replicas only one publishes.
 */
import { defineSubgraph } from '@platform/service-kit';
import { z } from 'zod';
import { createContextFactory } from './context.js';
import { createPosts } from './domain/posts.js';
import { resolvers } from './resolvers/index.js';
import { createStores } from './stores/index.js';

export const blogSubgraph = defineSubgraph({
  name: 'blog',
  port: 4011,
  schema: new URL('./schema.graphql', import.meta.url),
  migrations: new URL('../../../migrations/blog/', import.meta.url),
  resolvers,
  config: {},
  jobs: {
    // One job per (post, time): rescheduling sends a new one, the old one finds the post
    // waiting for another time and does nothing. Retried with backoff on a database hiccup.
    'blog.publish-post': {
      data: z.object({ postId: z.uuid(), publishAt: z.iso.datetime() }),
      retryLimit: 5,
      retryDelay: 5,
      retryBackoff: true,
      expireInSeconds: 60,
      policy: 'exclusive',
    },
  },
  async setup({ db, jobs, logger }) {
    const stores = createStores(db);
    const posts = createPosts({
      db,
      schedulePublication: async (trx, post) => {
        const publishAt = post.publishAt.toISOString();
        await jobs.send(
          'blog.publish-post',
          { postId: post.id, publishAt },
          { startAfter: post.publishAt, singletonKey: `${post.id}@${publishAt}` },
          trx,
        );
      },
    });
    return {
      context: createContextFactory({ posts, stores }),
      jobs: {
        'blog.publish-post': async ({ data }) => {
          const published = await posts.publishScheduled(data.postId, new Date(data.publishAt));
          logger.info({ postId: data.postId, publishAt: data.publishAt, published }, 'scheduled publication ran');
        },
      },
    };
  },
});
