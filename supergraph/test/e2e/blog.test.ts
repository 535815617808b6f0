/**
 * The blog through the real gateway (issue #12, the blog half of content.graphql): an admin
 * makes a user an author with the authz contract operations (an `author` role holding
 * blog.post.create/update/delete), who then runs CreatePost, UpdatePost, PublishPost,
 * SchedulePost and DeletePost; anyone reads Post and Posts, with the author's name from
 * identity. The gateway refuses the mutations to a user without the role; a stale version is
 * a CONFLICT; a blog action reaches the audit log through its event. Last, a post scheduled
 * 2 s ahead is published once (one published event, one audit entry, one mail to its author
 * through the real SMTP catcher) with two blog replicas running, and once when every blog
 * replica was stopped before its time and started after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startMailCatcher, type MailCatcher } from '@platform/devkit/mail';
import { eventually } from '@platform/devkit/testing';
import { createDatabase, type Database } from '@platform/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractOperation } from '../harness/operations.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { errorCodes, login, registerUser, type TestUser } from '../harness/users.js';

let platform: TestPlatform;
let catcher: MailCatcher;
let blogDb: Database;
let author: TestUser;
let authorToken: string;
let readerToken: string;
let adminToken: string;

beforeAll(async () => {
  catcher = await startMailCatcher();
  platform = await startTestPlatform({
    environment: {
      blog: { JOBS_POLLING_INTERVAL_SECONDS: '0.5' },
      notifications: { SMTP_URL: catcher.url, JOBS_POLLING_INTERVAL_SECONDS: '0.5' },
    },
  });
  blogDb = createDatabase({ url: platform.environments.blog!.DATABASE_URL!, applicationName: 'blog-e2e' });
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
afterAll(async () => {
  await blogDb?.destroy();
  await platform?.stop();
  await catcher?.stop();
});

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
  /** What a publication leaves behind, each of which must exist exactly once. */
  const traces = async (post: { id: string; title: string }) => {
    const outbox = await blogDb('outbox').where({ key: post.id }).select<{ payload: { type: string } }[]>('payload');
    const logs = await platform.graphql<{ auditLogs: { edges: { node: { action: string } }[] } }>(
      contractOperation('AuditLogs'),
      { filter: { targetId: post.id, action: 'blog.post.published' }, first: 10 },
      { token: adminToken },
    );
    return {
      events: outbox.filter((row) => row.payload.type === 'platform.blog.post.published.v1').length,
      auditEntries: logs.body.data?.auditLogs.edges.length ?? 0,
      mails: catcher
        .messagesTo(author.email)
        .filter((mail) => mail.subject === 'Your post is published' && mail.text.includes(post.title)).length,
    };
  };
  const publishedOnce = async (post: { id: string; title: string }) => {
    await eventually(
      async () => {
        const seen = await traces(post);
        return seen.events >= 1 && seen.auditEntries >= 1 && seen.mails >= 1;
      },
      'the publication, its audit entry and its mail',
      20_000,
    );
    // Every replica polls twice a second: give a second (wrong) publication time to show.
    await sleep(3000);
    expect(await traces(post)).toEqual({ events: 1, auditEntries: 1, mails: 1 });
  };
  const schedule = async (post: CreatedPost, publishAt: Date) => {
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
  };
  const statusInDb = async (postId: string) =>
    (await blogDb('posts').where({ id: postId }).first<{ status: string }>('status'))?.status;

  it('publishes a post scheduled 2 s ahead once, with two blog replicas running', async () => {
    await platform.startSubgraphReplica('blog');
    const post = await createPost('Scheduled for later');
    const publishAt = new Date(Date.now() + 2000);
    await schedule(post, publishAt);
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
    await publishedOnce(post);
    expect((await readPost(post.slug)).body.data?.post?.publishedAt).toBe(published.publishedAt);
  });

  it('publishes a post once when every blog replica was down at its time, after they start again', async () => {
    const post = await createPost('Due while blog was down');
    const publishAt = new Date(Date.now() + 2000);
    await schedule(post, publishAt);
    await platform.restartSubgraph('blog', async () => {
      await sleep(publishAt.getTime() - Date.now() + 1500);
      // Due for over a second, and nobody ran it: every replica is down.
      expect(await statusInDb(post.id)).toBe('SCHEDULED');
    });
    await eventually(async () => (await statusInDb(post.id)) === 'PUBLISHED', 'the late publication', 15_000);
    await publishedOnce(post);
  });
});
