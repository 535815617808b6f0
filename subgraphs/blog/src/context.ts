/**
 * What blog resolvers get per request: the kit's base context, the service that makes every
 * change, the stores for reads, and a per-request loader so N post references cost one query.
 */
import type { BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import { isUuid, normaliseUuid } from './domain/ids.js';
import type { Posts } from './domain/posts.js';
import type { PostModel } from './mappers.js';
import type { Stores } from './stores/index.js';

export interface Context extends BaseContext {
  posts: Posts;
  /** For reads outside a change; changes go through `posts`. */
  stores: Stores;
  postById: DataLoader<string, PostModel | null>;
}

export function createContextFactory(services: { posts: Posts; stores: Stores }): (base: BaseContext) => Context {
  const { stores } = services;
  return (base) => ({
    ...base,
    posts: services.posts,
    stores,
    postById: new DataLoader<string, PostModel | null>(
      async (keys) => {
        const ids = [...new Set(keys.filter(isUuid).map(normaliseUuid))];
        const found = new Map((ids.length > 0 ? await stores.posts.findManyByIds(ids) : []).map((p) => [p.id, p]));
        return keys.map((key) => (isUuid(key) ? (found.get(normaliseUuid(key)) ?? null) : null));
      },
      { cacheKeyFn: (key) => (isUuid(key) ? normaliseUuid(key) : key), cacheMap: loaderCache('postById') },
    ),
  });
}
