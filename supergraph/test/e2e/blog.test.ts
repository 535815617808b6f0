/**
 * The blog through the real gateway (issue #12, the blog half of content.graphql): an admin
 * makes a user an author with the authz contract operations (an `author` role holding
 * blog.post.create/update/delete), who then runs CreatePost, UpdatePost, PublishPost,
 * SchedulePost and DeletePost; anyone reads Post and Posts, with the author's name from
 * identity. The gateway refuses the mutations to a user without the role; a stale version is
 * a CONFLICT; a blog action reaches the audit log through its event. Last, a post scheduled
 * 2 s ahead publishes once while a second blog replica runs on the same database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { blogSubgraph } from '../../../subgraphs/blog/src/subgraph.js';
import { eventually, outboxEvents, startSubgraph, type SubgraphHarness } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestUser } from '../harness/users.js';

let platform: TestPlatform;
let author: TestUser;
let authorToken: string;
let readerToken: string;
let adminToken: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  adminToken = (await login(platform, platform.admin)).accessToken;
  const role = await platform.graphql<{ createRole: { role: { id: string } } }>(
    contractOperation('CreateRole'),
    {
      name: 'author',
      description: 'Writes blog posts',
      permissions: ['blog.post.create', 'blog.post.update', 'blog.post.delete'],
    },
    { token: adminToken },
  );
  expect(role.body.errors).toBeUndefined();
  author = await registerUser(platform, 'author');
  const assigned = await platform.graphql(
    contractOperation('AssignRole'),
    { userId: author.id, roleId: role.body.data!.createRole.role.id },
    { token: adminToken },
  );
  expect(assigned.body.errors).toBeUndefined();
  authorToken = (await login(platform, author)).accessToken;
  readerToken = (await login(platform, await registerUser(platform, 'reader'))).accessToken;
});
afterAll(() => platform?.stop());

interface CreatedPost {
  id: string;
  slug: string;
  title: string;
  status: string;
  version: number;
  author: { id: string; name: string };
  tags: string[];
}

async function createPost(title: string, tags: string[] = ['news']): Promise<CreatedPost> {
  const created = await platform.graphql<{ createPost: { post: CreatedPost } }>(
    contractOperation('CreatePost'),
    { title, content: '# Hello\n\nFirst **post**.', tags },
    { token: authorToken },
  );
  expect(created.body.errors).toBeUndefined();
  return created.body.data!.createPost.post;
}

const readPost = (slug: string, token?: string) =>
  platform.graphql<{
    post: {
      id: string;
      title: string;
      content: string;
      status: string;
      publishedAt: string | null;
      author: { id: string; name: string };
      tags: string[];
    } | null;
  }>(contractOperation('Post'), { slug }, token ? { token } : {});

describe('writing and reading posts', () => {
  it('runs the life of a post: create, update, publish, read by anyone, list, delete', async () => {
    const post = await createPost('Hello from the blog', ['News', 'Release notes']);
    expect(post).toMatchObject({
      title: 'Hello from the blog',
      slug: 'hello-from-the-blog',
      status: 'DRAFT',
      version: 1,
      author: { id: author.id, name: 'Test author' },
      tags: ['news', 'release-notes'],
    });
    expect((await readPost(post.slug)).body.data?.post).toBeNull();

    const updated = await platform.graphql<{
      updatePost: { post: { id: string; title: string; version: number; updatedAt: string } };
    }>(
      contractOperation('UpdatePost'),
      { id: post.id, title: 'Hello again from the blog', content: 'Edited *content*.', expectedVersion: 1 },
      { token: authorToken },
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data!.updatePost.post).toMatchObject({ title: 'Hello again from the blog', version: 2 });
    const stale = await platform.graphql(
      contractOperation('UpdatePost'),
      { id: post.id, title: 'Lost', content: 'Lost', expectedVersion: 1 },
      { token: authorToken },
    );
    expect(errorCodes(stale)).toEqual(['CONFLICT']);
    expect(stale.body.errors![0]!.message).toContain('version 2, not 1');

    const published = await platform.graphql<{ publishPost: { post: { status: string; publishedAt: string } } }>(
      contractOperation('PublishPost'),
      { id: post.id },
      { token: authorToken },
    );
    expect(published.body.errors).toBeUndefined();
    expect(published.body.data!.publishPost.post.status).toBe('PUBLISHED');

    // Anonymous, by the old slug: the post, with its author's name from identity.
    const read = await readPost(post.slug);
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.post).toMatchObject({
      id: post.id,
      title: 'Hello again from the blog',
      content: 'Edited *content*.',
      status: 'PUBLISHED',
      publishedAt: published.body.data!.publishPost.post.publishedAt,
      author: { id: author.id, name: 'Test author' },
      tags: ['news', 'release-notes'],
    });

    const listed = await platform.graphql<{
      posts: { edges: { node: { id: string; slug: string; author: { name: string } } }[] };
    }>(contractOperation('Posts'), { first: 10, tag: 'release-notes' });
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data!.posts.edges.map((edge) => edge.node)).toEqual([
      {
        id: post.id,
        slug: 'hello-again-from-the-blog',
        title: 'Hello again from the blog',
        publishedAt: published.body.data!.publishPost.post.publishedAt,
        author: { name: 'Test author' },
      },
    ]);

    const deleted = await platform.graphql<{ deletePost: { success: boolean } }>(
      contractOperation('DeletePost'),
      { id: post.id },
      { token: authorToken },
    );
    expect(deleted.body.data?.deletePost.success).toBe(true);
    expect((await readPost(post.slug)).body.data?.post).toBeNull();
  });

  it('denies the author mutations at the gateway to a user without the role, and to anonymous callers', async () => {
    const post = await createPost('Not yours');
    const attempts = [
      platform.graphql(contractOperation('PublishPost'), { id: post.id }, { token: readerToken }),
      platform.graphql(contractOperation('DeletePost'), { id: post.id }, { token: readerToken }),
      platform.graphql(contractOperation('CreatePost'), { title: 'x', content: 'x' }, { token: readerToken }),
      platform.graphql(contractOperation('PublishPost'), { id: post.id }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(errorCodes(response)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    }
    expect((await readPost(post.slug, authorToken)).body.data?.post?.status).toBe('DRAFT');
  });

  it('records a blog action in the audit log through its event', async () => {
    const post = await createPost('Audited');
    const logged = await eventually(
      async () => {
        const logs = await platform.graphql<{
          auditLogs: {
            edges: { node: { action: string; actor: { id: string } | null; target: { type: string; id: string } } }[];
          };
        }>(
          contractOperation('AuditLogs'),
          { filter: { targetId: post.id, action: 'blog.post.created' }, first: 5 },
          { token: adminToken },
        );
        const nodes = logs.body.data?.auditLogs.edges.map((edge) => edge.node) ?? [];
        return nodes.length > 0 ? nodes : undefined;
      },
      'the created post in the audit log',
      10_000,
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      action: 'blog.post.created',
      actor: { id: author.id },
      target: { type: 'post', id: post.id },
    });
  });
});

describe('scheduled publishing', () => {
  let replica: SubgraphHarness<typeof blogSubgraph>;
  afterAll(() => replica?.stop());

  it('publishes a post scheduled 2 s ahead once, with a second blog replica on the same database', async () => {
    // The second replica only adds job workers; the gateway keeps using the platform's blog.
    replica = await startSubgraph(blogSubgraph, {
      databaseUrl: platform.environments.blog!.DATABASE_URL!,
      env: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' },
    });
    const post = await createPost('Scheduled for later');
    const publishAt = new Date(Date.now() + 2000);
    const scheduled = await platform.graphql<{ schedulePost: { post: { status: string; publishAt: string } } }>(
      contractOperation('SchedulePost'),
      { id: post.id, publishAt: publishAt.toISOString() },
      { token: authorToken },
    );
    expect(scheduled.body.errors).toBeUndefined();
    expect(scheduled.body.data!.schedulePost.post).toEqual({
      id: post.id,
      status: 'SCHEDULED',
      publishAt: publishAt.toISOString(),
    });
    expect((await readPost(post.slug)).body.data?.post).toBeNull();

    const published = await eventually(
      async () => {
        const found = (await readPost(post.slug)).body.data?.post;
        return found?.status === 'PUBLISHED' ? found : undefined;
      },
      'the scheduled post to be public',
      15_000,
    );
    expect(new Date(published.publishedAt!).getTime()).toBeGreaterThanOrEqual(publishAt.getTime());
    // Both replicas poll every few seconds: give the slower one its turn to (wrongly) publish again.
    await sleep(3000);
    expect(await outboxEvents(replica, post.id, 'platform.blog.post.published.v1')).toHaveLength(1);
    expect((await readPost(post.slug)).body.data?.post?.publishedAt).toBe(published.publishedAt);
  });
});
