/** The auth subgraph's resolver map, one file per type or root field. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DateTime } from '@platform/service-kit';
import { login } from './Mutation/login.js';
import { logout } from './Mutation/logout.js';
import { refreshToken } from './Mutation/refreshToken.js';
import { Session } from './Session.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime,
  Mutation: { login, refreshToken, logout },
  User,
  Session,
};
