/** What the blog's tests share: callers with the blog's permissions and the operations they send. */
import { randomUUID } from 'node:crypto';
import { Permission, type Caller } from '@platform/service-kit';
import { signedIn, type SubgraphHarness } from '@platform/devkit/testing';
import { expect } from 'vitest';
import type { blogSubgraph } from '../src/subgraph.js';

export type BlogHarness = SubgraphHarness<typeof blogSubgraph>;

/** Someone who writes, changes and deletes their own posts. */
export const author = (): Caller =>
  signedIn(randomUUID(), [Permission.BlogPostCreate, Permission.BlogPostUpdate, Permission.BlogPostDelete]);

/** A moderator: changes and deletes anyone's posts, writes none. */
export const moderator = (): Caller => signedIn(randomUUID(), [Permission.BlogPostModerate]);

export interface PostView {
  id: string;
  slug: string;
  title: string;
  content: string;
  contentHtml: string;
  tags: string[];
  status: string;
  version: number;
  publishedAt: string | null;
  publishAt: string | null;
  updatedAt: string;
  author: { id: string };
}

const FIELDS = 'id slug title content contentHtml tags status version publishedAt publishAt updatedAt author { id }';

export const CREATE_POST = `mutation CreatePost($input: CreatePostInput!) { createPost(input: $input) { post { ${FIELDS} } } }`;
export const UPDATE_POST = `mutation UpdatePost($input: UpdatePostInput!) { updatePost(input: $input) { post { ${FIELDS} } } }`;
export const PUBLISH_POST = `mutation PublishPost($id: ID!) { publishPost(input: { id: $id }) { post { ${FIELDS} } } }`;
export const SCHEDULE_POST = `mutation SchedulePost($id: ID!, $publishAt: DateTime!) {
  schedulePost(input: { id: $id, publishAt: $publishAt }) { post { ${FIELDS} } }
}`;
export const ARCHIVE_POST = `mutation ArchivePost($id: ID!) { archivePost(input: { id: $id }) { post { ${FIELDS} } } }`;
export const DELETE_POST = `mutation DeletePost($id: ID!) { deletePost(input: { id: $id }) { success } }`;
export const POST = `query Post($slug: String!) { post(slug: $slug) { ${FIELDS} } }`;
export const POSTS = `query Posts($first: Int, $after: String, $tag: String) {
  posts(first: $first, after: $after, tag: $tag) { edges { cursor node { id slug publishedAt } } pageInfo { hasNextPage endCursor } }
}`;

/** A new draft of `caller`, through the API. */
export async function createPost(
  blog: BlogHarness,
  caller: Caller,
  input: { title?: string; content?: string; tags?: string[] } = {},
): Promise<PostView> {
  const result = await blog.graphql<{ createPost: { post: PostView } }>(
    CREATE_POST,
    { input: { title: `A post ${randomUUID().slice(0, 8)}`, content: 'Some *words*.', ...input } },
    caller,
  );
  expect(result.body.errors).toBeUndefined();
  return result.body.data!.createPost.post;
}
