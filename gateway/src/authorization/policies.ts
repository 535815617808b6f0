/**
 * The gateway's `@policy` implementations: a registry from policy name to a function of the
 * request. Router leaves policy evaluation to a coprocessor or script; here they are plain
 * functions, evaluated once per request, and only for the policies the operation references.
 * A policy that is unknown, throws or does not answer `true` denies (Router treats a policy left
 * unevaluated as `false`).
 */

/** What a policy may look at. */
export interface PolicyContext {
  userId: string | null;
  sessionId: string | null;
  permissions: ReadonlySet<string>;
  /** Epoch seconds of the caller's last credential login (`auth_time`), when known. */
  authTime: number | null;
  clientIp: string | null;
  operationName: string | null;
  now: Date;
}

export type Policy = (context: PolicyContext) => boolean | Promise<boolean>;
export type PolicyRegistry = ReadonlyMap<string, Policy>;

export const RECENT_AUTHENTICATION = 'recent_authentication';
export const DEFAULT_RECENT_AUTHENTICATION_MAX_AGE_SECONDS = 15 * 60;
/** The clock skew tolerated on `auth_time`, as for access tokens. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * `recent_authentication`: an authenticated caller whose last credential login is at most
 * `maxAgeSeconds` old. For operations that must not ride on a long-lived session alone.
 */
export function recentAuthentication(maxAgeSeconds = DEFAULT_RECENT_AUTHENTICATION_MAX_AGE_SECONDS): Policy {
  return ({ userId, authTime, now }) => {
    if (userId === null || authTime === null || !Number.isFinite(authTime)) return false;
    const ageSeconds = now.getTime() / 1000 - authTime;
    return ageSeconds >= -CLOCK_TOLERANCE_SECONDS && ageSeconds <= maxAgeSeconds;
  };
}

export interface PolicyRegistryOptions {
  recentAuthenticationMaxAgeSeconds?: number;
  /** Extra policies, or replacements of built-in ones. */
  policies?: Readonly<Record<string, Policy>>;
}

/** The built-in policies, plus any given. */
export function createPolicyRegistry(options: PolicyRegistryOptions = {}): PolicyRegistry {
  return new Map<string, Policy>([
    [RECENT_AUTHENTICATION, recentAuthentication(options.recentAuthenticationMaxAgeSeconds)],
    ...Object.entries(options.policies ?? {}),
  ]);
}

export interface PolicyEvaluation {
  /** The policies that evaluated to `true`: the caller's `policies` for `authorizeOperation`. */
  passed: ReadonlySet<string>;
  /** Referenced by the schema but not implemented here: denied. The caller logs them (once). */
  unknown: readonly string[];
  /** Policies that threw: denied. The caller logs them. */
  failed: readonly { name: string; error: unknown }[];
}

/** Evaluates the named policies concurrently. */
export async function evaluatePolicies(
  names: Iterable<string>,
  registry: PolicyRegistry,
  context: PolicyContext,
): Promise<PolicyEvaluation> {
  const passed = new Set<string>();
  const unknown: string[] = [];
  const failed: { name: string; error: unknown }[] = [];
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      const policy = registry.get(name);
      if (!policy) {
        unknown.push(name);
        return;
      }
      try {
        if ((await policy(context)) === true) passed.add(name);
      } catch (error) {
        failed.push({ name, error });
      }
    }),
  );
  return { passed, unknown: unknown.sort(), failed };
}
