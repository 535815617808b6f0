/**
 * The rules of roles: names, descriptions, permission codes, the system roles, and the one
 * order names and codes are listed in. Each `…Problem` answers what is wrong with an input
 * (or null), for the kit's `InputProblems` to report all at once.
 */
import { isPermissionCode } from '@platform/service-kit';

const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{1,49}$/;
const DESCRIPTION_MAX_LENGTH = 500;
/** More codes than the catalog could ever hold is a mistake or abuse, not a request. */
const PERMISSIONS_PER_REQUEST_MAX = 500;

/** The built-in roles: created by seeding, never deleted. */
export const SystemRole = { Admin: 'admin', User: 'user', Guest: 'guest' } as const;
export type SystemRoleName = (typeof SystemRole)[keyof typeof SystemRole];

export interface SystemRoleDefinition {
  name: SystemRoleName;
  description: string;
  /** The permissions the role starts with; `admin`'s are re-synced to the whole catalog at every seed. */
  initialPermissions: (catalog: readonly { code: string }[]) => string[];
}

export const systemRoles: readonly SystemRoleDefinition[] = [
  {
    name: SystemRole.Admin,
    description: 'Administrators: every permission of the platform',
    initialPermissions: (catalog) => catalog.map((entry) => entry.code),
  },
  {
    // Self-service (one's own profile, sessions, roles) only needs a signed-in user.
    name: SystemRole.User,
    description: 'Every registered user: self-service only, no administrative permission',
    initialPermissions: () => [],
  },
  {
    name: SystemRole.Guest,
    description: 'Limited access: no permission',
    initialPermissions: () => [],
  },
];

/** The stored form of a role name: surrounding spaces removed, lower-cased. */
export function normaliseRoleName(raw: string): string {
  return raw.trim().toLowerCase();
}

export function roleNameProblem(name: string): string | null {
  if (name.length === 0) return 'is required';
  if (!ROLE_NAME_PATTERN.test(name)) {
    return 'must be 2 to 50 characters: lower-case letters, digits, "-" or "_", starting with a letter';
  }
  return null;
}

/** The stored form of a description: trimmed; blank means none. */
export function normaliseDescription(raw: string | null | undefined): string | null {
  const trimmed = raw?.trim() ?? '';
  return trimmed.length === 0 ? null : trimmed;
}

export function descriptionProblem(description: string | null): string | null {
  if (description === null) return null;
  if ([...description].length > DESCRIPTION_MAX_LENGTH) return `must be at most ${DESCRIPTION_MAX_LENGTH} characters`;
  if (/\p{Cc}/u.test(description.replace(/[\n\t]/g, ''))) return 'must not contain control characters';
  return null;
}

/** Each code once, in the order given. */
export function uniqueCodes(codes: readonly string[]): string[] {
  return [...new Set(codes)];
}

/** Why a list of codes is not acceptable: too long, or naming codes that `known` does not hold. */
export function permissionsProblem(codes: readonly string[], known: (code: string) => boolean): string | null {
  if (codes.length > PERMISSIONS_PER_REQUEST_MAX) return `must list at most ${PERMISSIONS_PER_REQUEST_MAX} permissions`;
  const unknown = codes.filter((code) => !known(code));
  if (unknown.length === 0) return null;
  const shown = unknown.map((code) => JSON.stringify(code.length > 100 ? `${code.slice(0, 100)}…` : code));
  return `unknown permission ${unknown.length === 1 ? 'code' : 'codes'}: ${shown.join(', ')}`;
}

/** True for codes of the generated catalog. */
export const inCatalog = (code: string): boolean => isPermissionCode(code);

/** Codes and names sorted by code unit, the same in every locale (Postgres' order depends on its collation). */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
