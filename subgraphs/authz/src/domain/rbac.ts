/**
 * Role administration: creating and deleting roles, granting and revoking permissions,
 * assigning roles to users, and the invariants that keep the platform administrable (the
 * system roles exist, `admin` holds every permission, someone always holds `admin`) and
 * free of privilege escalation: a user grants only permissions they hold, assigns only roles
 * whose permissions they hold, never changes a system role's permissions, and assigns
 * `admin` only when they are an admin themselves.
 * GraphQL resolvers, the internal API and the event handlers all come through here; callers
 * check permissions. Input problems are named as GraphQL clients wrote them (`input.name`):
 * the other callers pass ids they have already checked.
 */
import { conflict, forbidden, InputProblems, notFound } from '@platform/service-kit';
import { createEvent, NO_REQUEST, type AnyCloudEvent } from '@platform/service-kit/events';
import type { Knex } from 'knex';
import type { RoleModel } from '../mappers.js';
import type { EffectiveAccess } from '../stores/assignment-store.js';
import type { Stores } from '../stores/index.js';
import { RoleNameTakenError } from '../stores/role-store.js';
import type { Actor, RunChange } from './changes.js';
import { isUuid, normaliseUuid } from './ids.js';
import {
  descriptionProblem,
  inCatalog,
  normaliseDescription,
  normaliseRoleName,
  permissionsProblem,
  roleNameProblem,
  sorted,
  SystemRole,
  uniqueCodes,
} from './rules.js';

export interface CreateRoleInput {
  name: string;
  description?: string | null;
  permissions: readonly string[];
}

export interface RbacService {
  createRole(actor: Actor, input: CreateRoleInput): Promise<RoleModel>;
  grantPermissions(actor: Actor, roleId: string, permissions: readonly string[]): Promise<RoleModel>;
  revokePermissions(actor: Actor, roleId: string, permissions: readonly string[]): Promise<RoleModel>;
  /** Deletes a role; with `cascade`, also when users hold it. */
  deleteRole(actor: Actor, roleId: string, options: { cascade: boolean }): Promise<void>;
  /** Gives the user the role; answers whether it was new. Idempotent. */
  assignRole(actor: Actor, userId: string, roleId: string): Promise<boolean>;
  /** Takes the role from the user; answers whether they held it. Idempotent. */
  unassignRole(actor: Actor, userId: string, roleId: string): Promise<boolean>;
  /**
   * Gives a newly registered user the `user` role; answers whether it was new. Idempotent.
   * Within `trx` (an event consumer's), the change commits with it.
   */
  assignDefaultRole(actor: Actor, userId: string, trx?: Knex.Transaction): Promise<boolean>;
  /**
   * Takes every role from a user about to be deleted (or deleted); answers how many they held.
   * CONFLICT when they are the last admin. Within `trx` (an event consumer's), the change commits with it.
   */
  removeUser(actor: Actor, userId: string, trx?: Knex.Transaction): Promise<number>;
  effectiveAccess(userId: string): Promise<EffectiveAccess>;
  version(): Promise<number>;
}

/** Who and which request an event of `actor`'s change names. */
function auditOf(actor: Pick<Actor, 'userId' | 'context'>) {
  return { actorId: actor.userId ?? null, context: actor.context ?? NO_REQUEST };
}

/** The log line of a change; none when nothing changed (a repeat has no new version). */
function logChange(actor: Actor, version: number | null, fields: Record<string, unknown>, message: string): void {
  if (version !== null) actor.logger.info({ by: actor.by, ...fields, version }, message);
}

/** One permission.granted or permission.revoked event per code that changed. */
export function permissionEvents(
  type: 'platform.authz.permission.granted.v1' | 'platform.authz.permission.revoked.v1',
  actor: Pick<Actor, 'userId' | 'context'>,
  roleId: string,
  codes: readonly string[],
  permissionsVersion: number,
): AnyCloudEvent[] {
  return codes.map((permission) =>
    createEvent({
      type,
      subject: roleId,
      data: {
        ...auditOf(actor),
        target: { type: 'role', id: roleId },
        roleId,
        permission,
        permissionsVersion,
      },
    }),
  );
}

/** role.assigned or role.unassigned for one user and role. */
export function assignmentEvent(
  type: 'platform.authz.role.assigned.v1' | 'platform.authz.role.unassigned.v1',
  actor: Pick<Actor, 'userId' | 'context'>,
  userId: string,
  role: RoleModel,
  permissionsVersion: number,
): AnyCloudEvent {
  return createEvent({
    type,
    subject: userId,
    data: {
      ...auditOf(actor),
      target: { type: 'user', id: userId },
      userId,
      roleId: role.id,
      roleName: role.name,
      permissionsVersion,
    },
  });
}

/** role.created for a role and the permissions it was created with. */
export function roleCreatedEvent(
  actor: Pick<Actor, 'userId' | 'context'>,
  role: RoleModel,
  permissions: readonly string[],
  permissionsVersion: number,
): AnyCloudEvent {
  return createEvent({
    type: 'platform.authz.role.created.v1',
    subject: role.id,
    data: {
      ...auditOf(actor),
      target: { type: 'role', id: role.id },
      roleId: role.id,
      name: role.name,
      description: role.description,
      permissions: [...new Set(permissions)].sort(),
      permissionsVersion,
    },
  });
}

/** The codes of `codes` the role grants (`granted`) or does not grant (`!granted`) right now. */
async function codesOfRole(stores: Stores, roleId: string, codes: readonly string[], granted: boolean) {
  const held = new Set((await stores.roles.permissionsOf([roleId])).get(roleId) ?? []);
  return codes.filter((code) => held.has(code) === granted);
}

/** The message for an id that names no role; long ids are cut so the message stays readable. */
function roleNotFound(id: string) {
  return notFound(`No role has the id "${id.length > 64 ? `${id.slice(0, 64)}…` : id}"`);
}

function isAdminRole(role: RoleModel): boolean {
  return role.system && role.name === SystemRole.Admin;
}

/** The role `id` names, or NOT_FOUND (ids that are not UUIDs name nothing). */
async function requireRole(stores: Stores, id: string): Promise<RoleModel> {
  const role = isUuid(id) ? await stores.roles.findById(normaliseUuid(id)) : null;
  if (!role) throw roleNotFound(id);
  return role;
}

function requireUserUuid(userId: string): string {
  const problems = new InputProblems('input');
  problems.add('userId', isUuid(userId) ? null : 'must be a UUID (a user id)');
  problems.throwIfAny();
  return normaliseUuid(userId);
}

/** FORBIDDEN when a user asks to hand out permissions they do not hold themselves. */
function requireHeld(actor: Actor, codes: Iterable<string>, what: string): void {
  if (!actor.holds) return;
  const missing = sorted([...codes].filter((code) => !actor.holds!.has(code)));
  if (missing.length === 0) return;
  const shown =
    missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
  throw forbidden(`${what} permissions you do not hold yourself: ${shown}`);
}

/** FORBIDDEN when a user asks to change the permissions of a system role (seeding keeps them). */
function refuseSystemRoleChange(actor: Actor, role: RoleModel): void {
  if (actor.holds && role.system) {
    throw forbidden(`"${role.name}" is a system role: its permissions cannot be changed`);
  }
}

/** CONFLICT when taking `admin` away from `userId` would leave nobody holding it. */
async function refuseRemovingLastAdmin(stores: Stores, userId: string, admin: RoleModel): Promise<void> {
  if (!(await stores.assignments.holds(userId, admin.id))) return;
  if ((await stores.assignments.countHolders(admin.id)) <= 1) {
    throw conflict('Cannot remove the last admin: give another user the admin role first');
  }
}

export function createRbacService(dependencies: { stores: Stores; runChange: RunChange }): RbacService {
  const { runChange } = dependencies;

  const service: RbacService = {
    async createRole(actor, input) {
      const name = normaliseRoleName(input.name);
      const description = normaliseDescription(input.description);
      const permissions = uniqueCodes(input.permissions);
      const problems = new InputProblems('input');
      problems.add('name', roleNameProblem(name));
      problems.add('description', descriptionProblem(description));
      problems.add('permissions', permissionsProblem(permissions, inCatalog));
      problems.throwIfAny();
      requireHeld(actor, permissions, 'A role cannot be created with');

      const conflictingName = () => conflict(`A role named "${name}" exists already`);
      const { result: role, version } = await runChange(actor, async (stores) => {
        if (await stores.roles.findByName(name)) throw conflictingName();
        let created: RoleModel;
        try {
          created = await stores.roles.create({ name, description, system: false });
        } catch (error) {
          if (error instanceof RoleNameTakenError) throw conflictingName();
          throw error;
        }
        await stores.roles.grant(created.id, permissions);
        return {
          result: created,
          changed: true,
          events: (version) => [roleCreatedEvent(actor, created, permissions, version)],
        };
      });
      logChange(actor, version, { roleId: role.id, role: role.name, permissions }, 'role created');
      return role;
    },

    async grantPermissions(actor, roleId, codes) {
      const permissions = uniqueCodes(codes);
      const problems = new InputProblems('input');
      problems.add('permissions', permissionsProblem(permissions, inCatalog));
      problems.throwIfAny();
      requireHeld(actor, permissions, 'You cannot grant');
      const { result: role, version } = await runChange(actor, async (stores) => {
        const found = await requireRole(stores, roleId);
        refuseSystemRoleChange(actor, found);
        const missing = await codesOfRole(stores, found.id, permissions, false);
        const added = await stores.roles.grant(found.id, missing);
        if (added > 0) await stores.roles.touch(found.id);
        return {
          result: found,
          changed: added > 0,
          events: (version) =>
            permissionEvents('platform.authz.permission.granted.v1', actor, found.id, missing, version),
        };
      });
      logChange(actor, version, { roleId: role.id, role: role.name, permissions }, 'permissions granted');
      return role;
    },

    async revokePermissions(actor, roleId, codes) {
      const permissions = uniqueCodes(codes);
      const { result: role, version } = await runChange(actor, async (stores) => {
        const found = await requireRole(stores, roleId);
        // Codes dropped from the catalog but still granted can be revoked, so check the table.
        const known = await stores.permissions.existing(permissions);
        const problems = new InputProblems('input');
        problems.add(
          'permissions',
          permissionsProblem(permissions, (code) => known.has(code)),
        );
        problems.throwIfAny();
        if (isAdminRole(found) && permissions.length > 0) {
          throw conflict('The admin role always holds every permission: its permissions cannot be revoked');
        }
        refuseSystemRoleChange(actor, found);
        const held = await codesOfRole(stores, found.id, permissions, true);
        const removed = await stores.roles.revoke(found.id, held);
        if (removed > 0) await stores.roles.touch(found.id);
        return {
          result: found,
          changed: removed > 0,
          events: (version) => permissionEvents('platform.authz.permission.revoked.v1', actor, found.id, held, version),
        };
      });
      logChange(actor, version, { roleId: role.id, role: role.name, permissions }, 'permissions revoked');
      return role;
    },

    async deleteRole(actor, roleId, options) {
      const { result: deleted, version } = await runChange(actor, async (stores) => {
        const role = await requireRole(stores, roleId);
        if (role.system) throw conflict(`"${role.name}" is a system role and cannot be deleted`);
        const holders = await stores.assignments.countHolders(role.id);
        if (holders > 0 && !options.cascade) {
          throw conflict(
            `The role "${role.name}" is assigned to ${holders} ${holders === 1 ? 'user' : 'users'}: ` +
              'unassign it first, or delete it with cascade: true',
          );
        }
        await stores.roles.delete(role.id);
        return {
          result: { role, holders },
          changed: true,
          events: (version) => [
            createEvent({
              type: 'platform.authz.role.deleted.v1',
              subject: role.id,
              data: {
                ...auditOf(actor),
                target: { type: 'role', id: role.id },
                roleId: role.id,
                name: role.name,
                permissionsVersion: version,
              },
            }),
          ],
        };
      });
      logChange(
        actor,
        version,
        { roleId: deleted.role.id, role: deleted.role.name, unassigned: deleted.holders },
        'role deleted',
      );
    },

    async assignRole(actor, rawUserId, roleId) {
      const userId = requireUserUuid(rawUserId);
      const { result, version } = await runChange(actor, async (stores) => {
        const role = await requireRole(stores, roleId);
        if (actor.holds) {
          // Checked in the change's transaction, which holds the authz_state lock: no grant can slip in between.
          if (isAdminRole(role) && !(actor.userId && (await stores.assignments.holds(actor.userId, role.id)))) {
            throw forbidden('Only an admin can assign the admin role');
          }
          requireHeld(
            actor,
            (await stores.roles.permissionsOf([role.id])).get(role.id) ?? [],
            'You cannot assign a role with',
          );
        }
        const assigned = await stores.assignments.assign(userId, role.id);
        return {
          result: { role, assigned },
          changed: assigned,
          events: (version) => [assignmentEvent('platform.authz.role.assigned.v1', actor, userId, role, version)],
        };
      });
      logChange(actor, version, { userId, roleId: result.role.id, role: result.role.name }, 'role assigned');
      return result.assigned;
    },

    async unassignRole(actor, rawUserId, roleId) {
      const userId = requireUserUuid(rawUserId);
      const { result, version } = await runChange(actor, async (stores) => {
        const role = await requireRole(stores, roleId);
        if (isAdminRole(role)) await refuseRemovingLastAdmin(stores, userId, role);
        const unassigned = await stores.assignments.unassign(userId, role.id);
        return {
          result: { role, unassigned },
          changed: unassigned,
          events: (version) => [assignmentEvent('platform.authz.role.unassigned.v1', actor, userId, role, version)],
        };
      });
      logChange(actor, version, { userId, roleId: result.role.id, role: result.role.name }, 'role unassigned');
      return result.unassigned;
    },

    async assignDefaultRole(actor, rawUserId, trx) {
      const userId = requireUserUuid(rawUserId);
      const { result: assigned, version } = await runChange(
        actor,
        async (stores) => {
          const role = await stores.roles.findByName(SystemRole.User);
          // Seeding at every start creates it; its absence means the database was tampered with.
          if (!role?.system) throw new Error(`the system role "${SystemRole.User}" is missing: run the authz seed`);
          const added = await stores.assignments.assign(userId, role.id);
          return {
            result: added,
            changed: added,
            events: (version) => [assignmentEvent('platform.authz.role.assigned.v1', actor, userId, role, version)],
          };
        },
        { within: trx },
      );
      logChange(actor, version, { userId, role: SystemRole.User }, 'default role assigned');
      return assigned;
    },

    async removeUser(actor, rawUserId, trx) {
      const userId = requireUserUuid(rawUserId);
      const { result: removed, version } = await runChange(
        actor,
        async (stores) => {
          const admin = await stores.roles.findByName(SystemRole.Admin);
          if (admin && isAdminRole(admin)) await refuseRemovingLastAdmin(stores, userId, admin);
          const held = (await stores.assignments.rolesOfUsers([userId])).get(userId) ?? [];
          const count = await stores.assignments.removeAll(userId);
          return {
            result: count,
            changed: count > 0,
            events: (version) =>
              held.map((role) => assignmentEvent('platform.authz.role.unassigned.v1', actor, userId, role, version)),
          };
        },
        { within: trx },
      );
      logChange(actor, version, { userId, removed }, "removed a deleted user's role assignments");
      return removed;
    },

    effectiveAccess: (userId) => dependencies.stores.assignments.effectiveAccess(normaliseUuid(userId)),
    version: () => dependencies.stores.state.version(),
  };
  return service;
}
