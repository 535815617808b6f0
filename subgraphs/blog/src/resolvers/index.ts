/** The blog subgraph's resolver map: one file per field, assembled here. */
import { DateTime } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { archivePost } from './Mutation/archivePost.js';
import { createPost } from './Mutation/createPost.js';
import { deletePost } from './Mutation/deletePost.js';
import { publishPost } from './Mutation/publishPost.js';
import { schedulePost } from './Mutation/schedulePost.js';
import { updatePost } from './Mutation/updatePost.js';
import { Post } from './Post.js';
import { post } from './Query/post.js';
import { posts } from './Query/posts.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { post, posts },
  Mutation: { createPost, updatePost, publishPost, schedulePost, archivePost, deletePost },
  Post,
};
