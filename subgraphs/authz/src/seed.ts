/**
 * Seeding: the permission catalog, the system roles and optionally the first admin. Runs at
 * every start (without an admin) and from `npm run seed -w @platform/authz`; running it again
 * changes nothing. `admin` is re-synced to exactly the catalog each time, so a permission
 * added to a subgraph's permissions.yaml reaches admins at the next start. What seeding
 * changes is recorded as events by the platform (no actor, no request) in its transaction;
 * seeding that changes nothing writes none.
 */
import { createDatabase, createLogger, permissionCatalog, type Database, type Logger } from '@platform/service-kit';
import type { AnyCloudEvent } from '@platform/service-kit/events';
import { isUuid, normaliseUuid } from './domain/ids.js';
import { assignmentEvent, permissionEvents, roleCreatedEvent } from './domain/rbac.js';
import { SystemRole, systemRoles } from './domain/rules.js';
import { createVersionPublisher, type InvalidationNotifier } from './invalidation.js';
import type { RoleModel } from './mappers.js';
import { createStores, type Stores } from './stores/index.js';
import type { PermissionRecord } from './stores/permission-store.js';

export interface SeedOptions {
  /** A user (identity's id) to give the `admin` role. */
  adminUserId?: string;
  logger?: Logger;
  /** The permissions to sync; the generated catalog by default (tests bring their own). */
  catalog?: readonly PermissionRecord[];
  /** Told the new version when seeding changed anything. */
  notifier?: InvalidationNotifier;
}

export interface SeedResult {
  /** The permissions version after seeding. */
  version: number;
  /** Whether roles, grants or assignments changed (and the version was bumped). */
  changed: boolean;
  /** Whether `adminUserId` was given `admin` now (false when they held it already). */
  adminAssigned: boolean;
  /** Codes no longer in the catalog that custom roles still grant (kept until revoked). */
  retiredStillGranted: string[];
}

/** Creates a missing system role with its initial permissions, or marks an existing one as system. */
async function ensureSystemRole(
  stores: Stores,
  definition: (typeof systemRoles)[number],
  catalog: readonly PermissionRecord[],
): Promise<{ role: RoleModel; changed: boolean; grantedAtCreation: string[] | null }> {
  const existing = await stores.roles.findByName(definition.name);
  if (existing) {
    const marked = await stores.roles.markSystem(existing.id);
    return { role: { ...existing, system: true }, changed: marked, grantedAtCreation: null };
  }
  const role = await stores.roles.create({ name: definition.name, description: definition.description, system: true });
  const permissions = definition.initialPermissions(catalog);
  await stores.roles.grant(role.id, permissions);
  return { role, changed: true, grantedAtCreation: [...permissions] };
}

/** The platform itself: seeding has no actor and no request. */
const PLATFORM = { userId: null };

export async function seedAuthz(db: Database, options: SeedOptions = {}): Promise<SeedResult> {
  const catalog = options.catalog ?? permissionCatalog;
  const catalogCodes = catalog.map((entry) => entry.code);
  if (options.adminUserId !== undefined && !isUuid(options.adminUserId)) {
    throw new Error(`adminUserId must be a UUID (the id identity gave the user), not "${options.adminUserId}"`);
  }
  const adminUserId = options.adminUserId === undefined ? undefined : normaliseUuid(options.adminUserId);

  const result = await db.transaction(async (trx): Promise<SeedResult> => {
    const stores = createStores(trx);
    // The same lock as every change: several replicas starting at once seed one at a time.
    let version = await stores.state.lock();
    // Descriptions are not part of anyone's permissions: updating them bumps nothing.
    await stores.permissions.upsert(catalog);

    let changed = false;
    // Built once the version is bumped, which they carry.
    const events: ((permissionsVersion: number) => AnyCloudEvent[])[] = [];
    const roles = new Map<string, RoleModel>();
    for (const definition of systemRoles) {
      const ensured = await ensureSystemRole(stores, definition, catalog);
      roles.set(definition.name, ensured.role);
      changed ||= ensured.changed;
      const granted = ensured.grantedAtCreation;
      if (granted) events.push((v) => [roleCreatedEvent(PLATFORM, ensured.role, granted, v)]);
    }

    const admin = roles.get(SystemRole.Admin)!;
    const current = (await stores.roles.permissionsOf([admin.id])).get(admin.id) ?? [];
    const retiredFromAdmin = current.filter((code) => !catalogCodes.includes(code));
    const missingFromAdmin = catalogCodes.filter((code) => !current.includes(code));
    const added = await stores.roles.grant(admin.id, missingFromAdmin);
    const removed = await stores.roles.revoke(admin.id, retiredFromAdmin);
    if (added > 0) {
      events.push((v) =>
        permissionEvents('platform.authz.permission.granted.v1', PLATFORM, admin.id, missingFromAdmin, v),
      );
    }
    if (removed > 0) {
      events.push((v) =>
        permissionEvents('platform.authz.permission.revoked.v1', PLATFORM, admin.id, retiredFromAdmin, v),
      );
    }
    if (added + removed > 0) {
      await stores.roles.touch(admin.id);
      changed = true;
    }
    await stores.permissions.deleteRetired(catalogCodes);
    const retiredStillGranted = await stores.permissions.retired(catalogCodes);

    let adminAssigned = false;
    if (adminUserId !== undefined) {
      adminAssigned = await stores.assignments.assign(adminUserId, admin.id);
      changed ||= adminAssigned;
      if (adminAssigned) {
        events.push((v) => [assignmentEvent('platform.authz.role.assigned.v1', PLATFORM, adminUserId, admin, v)]);
      }
    }
    if (changed) {
      version = await stores.state.bump();
      const bumped = version;
      await stores.outbox.enqueue(...events.flatMap((build) => build(bumped)));
    }
    return { version, changed, adminAssigned, retiredStillGranted };
  });

  const logger = options.logger ?? createLogger({ service: 'authz', level: 'silent' });
  if (result.retiredStillGranted.length > 0) {
    logger.warn(
      { codes: result.retiredStillGranted },
      'roles still grant permissions that are no longer in the catalog: revoke them',
    );
  }
  if (result.changed) {
    logger.info(
      { version: result.version, adminUserId, adminAssigned: result.adminAssigned },
      'seeded roles and permissions',
    );
    if (options.notifier) {
      await createVersionPublisher({ notifier: options.notifier, logger }).changed(result.version, { logger });
    }
  }
  return result;
}

/** Seeds the database at `url` once (the seed command). */
export async function seedDatabase(url: string, options: SeedOptions = {}): Promise<SeedResult> {
  const db = createDatabase({ url, poolMax: 2, applicationName: 'authz-seed' });
  try {
    return await seedAuthz(db, options);
  } finally {
    await db.destroy();
  }
}
