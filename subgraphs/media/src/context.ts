/**
 * What media resolvers get per request: the kit's base context, the files service, and a
 * per-request loader so N users' avatars cost one query.
 */
import type { BaseContext } from '@platform/service-kit';
import DataLoader from 'dataloader';
import { loaderCache } from '@platform/service-kit';
import type { Files } from './domain/files.js';
import type { MediaFileModel } from './mappers.js';

export interface Context extends BaseContext {
  files: Files;
  avatarByUserId: DataLoader<string, MediaFileModel | null>;
}

export function createContextFactory(files: Files): (base: BaseContext) => Context {
  return (base) => ({
    ...base,
    files,
    avatarByUserId: new DataLoader(
      async (userIds: readonly string[]) => {
        const found = await files.files.avatarFiles(userIds);
        return userIds.map((id) => found.get(id) ?? null);
      },
      { cacheMap: loaderCache('avatarByUserId') },
    ),
  });
}
