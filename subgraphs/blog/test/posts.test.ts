/**
 * Posts against a real Postgres: the input rules with each field named, rendering and
 * sanitizing, slugs and their redirects, optimistic versions, who may change what
 * (FORBIDDEN / NOT_FOUND), what anonymous readers see, the status machine (CONFLICT), the
 * public list's order and cursors, and the event each change writes to the outbox.
 */
import { randomUUID } from 'node:crypto';
import { anonymous, errorCode, expectRelayed, outboxSize, signedIn, startSubgraph } from '@platform/devkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blogSubgraph } from '../src/subgraph.js';
import {
  ARCHIVE_POST,
  author,
  type BlogHarness,
  CREATE_POST,
  createPost,
  DELETE_POST,
  moderator,
  POST,
  type PostView,
  POSTS,
  PUBLISH_POST,
  SCHEDULE_POST,
  UPDATE_POST,
} from './support.js';

let blog: BlogHarness;
beforeAll(async () => {
  blog = await startSubgraph(blogSubgraph);
});
afterAll(() => blog?.stop());

const fieldsOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  body.errors?.[0]?.extensions?.fields as Record<string, string> | undefined;

const read = async (slug: string, caller = anonymous) =>
  (await blog.graphql<{ post: PostView | null }>(POST, { slug }, caller)).body.data?.post ?? null;

async function publish(caller: ReturnType<typeof author>, id: string): Promise<PostView> {
  const result = await blog.graphql<{ publishPost: { post: PostView } }>(PUBLISH_POST, { id }, caller);
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.publishPost.post;
}

describe('creating', () => {
  it('creates a draft of the caller with a slug from the title and normalised tags in order', async () => {
    const writer = author();
    const post = await createPost(blog, writer, {
      title: '  Crème Brûlée: a Story!  ',
      tags: ['Food', 'slow  cooking', 'food', 'Äpfel'],
    });
    expect(post).toMatchObject({
      title: 'Crème Brûlée: a Story!',
      slug: 'creme-brulee-a-story',
      tags: ['food', 'slow-cooking', 'äpfel'],
      status: 'DRAFT',
      version: 1,
      publishedAt: null,
      author: { id: writer.userId },
    });
    await expectRelayed(blog, post.id, ['platform.blog.post.created.v1']);
  });

  it('names every invalid field at once and writes nothing', async () => {
    const before = await outboxSize(blog);
    const result = await blog.graphql(
      CREATE_POST,
      { input: { title: '   ', content: '', tags: ['ok', '', 'x'.repeat(31), 'no_underscores'] } },
      author(),
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(fieldsOf(result.body)).toEqual({
      'input.title': 'must not be empty',
      'input.content': 'must not be empty',
      'input.tags.1': 'must not be empty',
      'input.tags.2': 'must be at most 30 characters',
      'input.tags.3': 'may hold only letters, digits, spaces and -',
    });
    const tooMany = await blog.graphql(
      CREATE_POST,
      { input: { title: 'Tags', content: 'x', tags: Array.from({ length: 11 }, (_, i) => `tag${i}`) } },
      author(),
    );
    expect(fieldsOf(tooMany.body)).toEqual({ 'input.tags': 'must be at most 10 different tags' });
    expect(await outboxSize(blog)).toBe(before);
  });

  it('refuses callers without blog.post.create', async () => {
    const input = { title: 'Nope', content: 'x' };
    expect(errorCode(await blog.graphql(CREATE_POST, { input }, anonymous))).toBe('UNAUTHENTICATED');
    expect(errorCode(await blog.graphql(CREATE_POST, { input }, signedIn(randomUUID(), [])))).toBe('FORBIDDEN');
  });
});

describe('rendering', () => {
  it('renders Markdown to HTML', async () => {
    const post = await createPost(blog, author(), {
      content: '# Title\n\nSome **bold** text and [a link](https://example.org/x).\n\n- one\n- two',
    });
    expect(post.contentHtml).toContain('<h1>Title</h1>');
    expect(post.contentHtml).toContain('<strong>bold</strong>');
    expect(post.contentHtml).toContain('<a href="https://example.org/x" rel="nofollow noopener noreferrer">a link</a>');
    expect(post.contentHtml).toContain('<li>two</li>');
  });

  it('strips scripts, event handlers and javascript: URLs, keeping the Markdown as written', async () => {
    const content = [
      '<script>alert(1)</script>',
      '<img src="x" onerror="alert(2)">',
      '[click](javascript:alert(3))',
      '[also](JaVaScRiPt:alert(4))',
      '![pic](javascript:alert(5))',
      '<a href="javascript:alert(6)" onclick="alert(7)">raw</a>',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n\n');
    const post = await createPost(blog, author(), { content });
    expect(post.content).toBe(content);
    const html = post.contentHtml.toLowerCase();
    // The elements the browser would build (escaped text like `&lt;script` is not one).
    const tags = html.match(/<[a-z][^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) {
      expect(tag).toMatch(/^<(p|a) ?/);
      expect(tag).not.toMatch(/\son\w+=|javascript:|<script|<img|<iframe/);
    }
    // What was raw HTML is shown as text, not dropped silently.
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('slugs', () => {
  it('gives a second post with the same title another slug', async () => {
    const title = `Same title ${randomUUID().slice(0, 6)}`;
    const first = await createPost(blog, author(), { title });
    const second = await createPost(blog, author(), { title });
    expect(first.slug).not.toBe(second.slug);
    expect(second.slug).toBe(`${first.slug}-2`);
  });

  it('keeps the old slug as a redirect after a title change, and exposes the canonical one', async () => {
    const writer = author();
    const post = await createPost(blog, writer, { title: `Before ${randomUUID().slice(0, 6)}` });
    await publish(writer, post.id);
    const updated = await blog.graphql<{ updatePost: { post: PostView } }>(
      UPDATE_POST,
      { input: { id: post.id, expectedVersion: 2, title: `After ${randomUUID().slice(0, 6)}` } },
      writer,
    );
    expect(updated.body.errors).toBeUndefined();
    const canonical = updated.body.data!.updatePost.post.slug;
    expect(canonical).not.toBe(post.slug);
    expect(await read(post.slug)).toMatchObject({ id: post.id, slug: canonical });
    expect(await read(canonical)).toMatchObject({ id: post.id, slug: canonical });
    // The old slug stays the post's: a new post with the old title gets another one.
    const other = await createPost(blog, author(), { title: post.title });
    expect(other.slug).not.toBe(post.slug);
  });
});

describe('versions', () => {
  it('refuses an update on a stale version with a CONFLICT that says the current version', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    const first = await blog.graphql<{ updatePost: { post: PostView } }>(
      UPDATE_POST,
      { input: { id: post.id, expectedVersion: 1, content: 'First edit' } },
      writer,
    );
    expect(first.body.data!.updatePost.post.version).toBe(2);
    const stale = await blog.graphql(
      UPDATE_POST,
      { input: { id: post.id, expectedVersion: 1, content: 'Lost edit' } },
      writer,
    );
    expect(errorCode(stale)).toBe('CONFLICT');
    expect(stale.body.errors![0]!.message).toContain('version 2, not 1');
    expect((await read(post.slug, writer))!.content).toBe('First edit');
  });

  it('lets exactly one of two concurrent updates on the same version through', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    const results = await Promise.all(
      ['one', 'two'].map((content) =>
        blog.graphql(UPDATE_POST, { input: { id: post.id, expectedVersion: 1, content } }, writer),
      ),
    );
    expect(results.map(errorCode).sort()).toEqual(['CONFLICT', undefined]);
  });
});

describe('who may do what', () => {
  it('lets authors change only their own posts, and moderators any', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    await publish(writer, post.id);
    const change = { input: { id: post.id, expectedVersion: 2, content: 'Edited' } };
    expect(errorCode(await blog.graphql(UPDATE_POST, change, author()))).toBe('FORBIDDEN');
    expect(errorCode(await blog.graphql(DELETE_POST, { id: post.id }, author()))).toBe('FORBIDDEN');
    const moderated = await blog.graphql<{ updatePost: { post: PostView } }>(UPDATE_POST, change, moderator());
    expect(moderated.body.data?.updatePost.post).toMatchObject({ content: 'Edited', version: 3 });
  });

  it("hides drafts from everyone but their author and moderators (NOT_FOUND, not FORBIDDEN, for others' drafts)", async () => {
    const writer = author();
    const draft = await createPost(blog, writer);
    expect(await read(draft.slug)).toBeNull();
    expect(await read(draft.slug, author())).toBeNull();
    expect(await read(draft.slug, writer)).toMatchObject({ id: draft.id });
    expect(await read(draft.slug, moderator())).toMatchObject({ id: draft.id });
    const change = { input: { id: draft.id, expectedVersion: 1, content: 'x' } };
    expect(errorCode(await blog.graphql(UPDATE_POST, change, author()))).toBe('NOT_FOUND');
    expect(errorCode(await blog.graphql(PUBLISH_POST, { id: randomUUID() }, writer))).toBe('NOT_FOUND');
    expect(errorCode(await blog.graphql(PUBLISH_POST, { id: 'not-a-uuid' }, writer))).toBe('NOT_FOUND');
  });

  it('deletes softly: gone from every read, the slug not given to another post', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    await publish(writer, post.id);
    const deleted = await blog.graphql<{ deletePost: { success: boolean } }>(DELETE_POST, { id: post.id }, writer);
    expect(deleted.body.data?.deletePost.success).toBe(true);
    expect(await read(post.slug, writer)).toBeNull();
    expect(errorCode(await blog.graphql(DELETE_POST, { id: post.id }, writer))).toBe('NOT_FOUND');
    expect((await createPost(blog, writer, { title: post.title })).slug).not.toBe(post.slug);
    await expectRelayed(blog, post.id, [
      'platform.blog.post.created.v1',
      'platform.blog.post.published.v1',
      'platform.blog.post.deleted.v1',
    ]);
  });
});

describe('status', () => {
  it('goes DRAFT → SCHEDULED → PUBLISHED → ARCHIVED, and refuses the steps that make no sense', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    const publishAt = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await blog.graphql<{ schedulePost: { post: PostView } }>(
      SCHEDULE_POST,
      { id: post.id, publishAt },
      writer,
    );
    expect(scheduled.body.data?.schedulePost.post).toMatchObject({ status: 'SCHEDULED', publishAt, version: 2 });
    expect(await read(post.slug)).toBeNull();
    const published = await publish(writer, post.id);
    expect(published).toMatchObject({ status: 'PUBLISHED', publishAt: null, version: 3 });
    expect(await read(post.slug)).toMatchObject({ id: post.id, status: 'PUBLISHED' });
    expect(errorCode(await blog.graphql(PUBLISH_POST, { id: post.id }, writer))).toBe('CONFLICT');
    expect(errorCode(await blog.graphql(SCHEDULE_POST, { id: post.id, publishAt }, writer))).toBe('CONFLICT');
    const archived = await blog.graphql<{ archivePost: { post: PostView } }>(ARCHIVE_POST, { id: post.id }, writer);
    expect(archived.body.data?.archivePost.post.status).toBe('ARCHIVED');
    expect(await read(post.slug)).toBeNull();
    expect(errorCode(await blog.graphql(PUBLISH_POST, { id: post.id }, writer))).toBe('CONFLICT');
    expect(errorCode(await blog.graphql(ARCHIVE_POST, { id: post.id }, writer))).toBe('CONFLICT');
    await expectRelayed(blog, post.id, [
      'platform.blog.post.created.v1',
      'platform.blog.post.scheduled.v1',
      'platform.blog.post.published.v1',
      'platform.blog.post.archived.v1',
    ]);
  });

  it('refuses a publication time in the past or over a year ahead', async () => {
    const writer = author();
    const post = await createPost(blog, writer);
    const past = await blog.graphql(SCHEDULE_POST, { id: post.id, publishAt: new Date(Date.now() - 1000) }, writer);
    expect(fieldsOf(past.body)).toEqual({ 'input.publishAt': 'must be in the future' });
    const far = new Date(Date.now() + 400 * 86_400_000);
    const tooFar = await blog.graphql(SCHEDULE_POST, { id: post.id, publishAt: far }, writer);
    expect(fieldsOf(tooFar.body)).toEqual({ 'input.publishAt': 'must be at most a year ahead' });
  });
});

describe('the public list', () => {
  it('lists published posts newest first, by tag, across pages without gaps or repeats', async () => {
    const writer = author();
    const tag = `t${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const post = await createPost(blog, writer, { tags: [tag] });
      await publish(writer, post.id);
      ids.unshift(post.id);
    }
    await createPost(blog, writer, { tags: [tag] }); // a draft: never listed
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof listPage>> = await listPage(tag.toUpperCase(), after);
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('refuses a page size out of bounds and a forged cursor', async () => {
    expect(fieldsOf((await blog.graphql(POSTS, { first: 0 })).body)).toEqual({ first: 'must be between 1 and 100' });
    expect(fieldsOf((await blog.graphql(POSTS, { after: 'bm9wZQ' })).body)).toEqual({
      after: 'is not a cursor this list gave out',
    });
  });
});

async function listPage(tag: string, after: string | null) {
  const result = await blog.graphql<{
    posts: {
      edges: { cursor: string; node: { id: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(POSTS, { first: 2, after, tag });
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.posts;
}
