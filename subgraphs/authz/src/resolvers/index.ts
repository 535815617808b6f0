/** The authz subgraph's resolver map: one file per field, assembled here. */
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { DateTime } from '@platform/service-kit';
import { assignRole } from './Mutation/assignRole.js';
import { createRole } from './Mutation/createRole.js';
import { deleteRole } from './Mutation/deleteRole.js';
import { grantPermissions } from './Mutation/grantPermissions.js';
import { retryBackgroundJob } from './Mutation/retryBackgroundJob.js';
import { revokePermissions } from './Mutation/revokePermissions.js';
import { unassignRole } from './Mutation/unassignRole.js';
import { backgroundJobs } from './Query/backgroundJobs.js';
import { jobQueues } from './Query/jobQueues.js';
import { permissions } from './Query/permissions.js';
import { role } from './Query/role.js';
import { roles } from './Query/roles.js';
import { Role } from './Role.js';
import { User } from './User.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: { roles, role, permissions, jobQueues, backgroundJobs },
  Mutation: {
    createRole,
    grantPermissions,
    revokePermissions,
    assignRole,
    unassignRole,
    deleteRole,
    retryBackgroundJob,
  },
  Role,
  User,
};
