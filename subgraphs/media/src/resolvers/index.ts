/** The media subgraph's resolver map: one file per field, assembled here. */
import { DateTime } from '@platform/service-kit';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { MediaFile } from './MediaFile.js';
import { createUpload } from './Mutation/createUpload.js';
import { setAvatar } from './Mutation/setAvatar.js';
import { mediaFile } from './Query/mediaFile.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { mediaFile },
  Mutation: { createUpload, setAvatar },
  MediaFile,
  User,
};
