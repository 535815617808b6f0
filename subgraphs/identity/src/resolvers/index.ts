/** The identity subgraph's resolver map: one file per field, assembled here. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DateTime } from '@platform/service-kit';
import { changePassword } from './Mutation/changePassword.js';
import { deleteUser } from './Mutation/deleteUser.js';
import { register } from './Mutation/register.js';
import { requestPasswordReset } from './Mutation/requestPasswordReset.js';
import { resendVerificationEmail } from './Mutation/resendVerificationEmail.js';
import { resetPassword } from './Mutation/resetPassword.js';
import { updateProfile } from './Mutation/updateProfile.js';
import { verifyEmail } from './Mutation/verifyEmail.js';
import { me } from './Query/me.js';
import { user } from './Query/user.js';
import { users } from './Query/users.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { me, users, user },
  Mutation: {
    register,
    updateProfile,
    changePassword,
    verifyEmail,
    resendVerificationEmail,
    requestPasswordReset,
    resetPassword,
    deleteUser,
  },
  User,
};
