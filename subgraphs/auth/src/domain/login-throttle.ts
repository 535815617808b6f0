/**
 * Login throttling per account, against password guessing. `maxFailures` failed logins
 * within `failureWindowSeconds` (counted from the first failure) lock the account for
 * `lockSeconds`; each further lock within 24 hours after the previous one ended doubles
 * the lock, up to 24 hours. A successful login clears the failure count (not the lock history).
 * Attempts while locked are refused and not counted.
 *
 * Two implementations of one interface: Redis (shared by every auth instance, each
 * update one atomic Lua script) and in-process memory (a single instance, development).
 * Keys are the normalised email, hashed so Redis holds no addresses.
 */
import { sha256Hex } from '@platform/service-kit';
import type { Redis } from 'ioredis';

export interface LoginThrottlePolicy {
  maxFailures: number;
  failureWindowSeconds: number;
  lockSeconds: number;
  /** The longest lock; 24 h. */
  maxLockSeconds?: number;
  /** A lock within this long after the previous one ended doubles; 24 h. */
  escalationWindowSeconds?: number;
}

export interface LockState {
  locked: boolean;
  /** Milliseconds until the lock ends; 0 when not locked. */
  retryAfterMs: number;
}

export interface LoginThrottle {
  /** Whether `account` is locked right now. */
  status(account: string): Promise<LockState>;
  /** Counts a failed login; returns the lock it caused, if any. */
  recordFailure(account: string): Promise<LockState>;
  /** Clears the failure count after a successful login. */
  recordSuccess(account: string): Promise<void>;
}

const DAY_SECONDS = 86_400;

/** The throttle key of a login: the email, trimmed and lower-cased. */
export function throttleAccountKey(email: string): string {
  return email.trim().toLowerCase();
}

function lockMilliseconds(policy: LoginThrottlePolicy, lockNumber: number): number {
  const max = (policy.maxLockSeconds ?? DAY_SECONDS) * 1000;
  // 2^20 already exceeds any sensible cap; bounding the exponent keeps the number finite.
  return Math.min(policy.lockSeconds * 1000 * 2 ** Math.min(lockNumber - 1, 20), max);
}

const unlocked: LockState = Object.freeze({ locked: false, retryAfterMs: 0 });

interface MemoryEntry {
  failures: number;
  failureWindowEndsAt: number;
  lockedUntil: number;
  /** Locks so far whose escalation window has not lapsed. */
  locks: number;
  locksForgottenAt: number;
}

/** In-process throttle: right for one instance; state is lost on restart. */
export function createMemoryLoginThrottle(
  policy: LoginThrottlePolicy,
  options: { now?: () => number; maxEntries?: number } = {},
): LoginThrottle {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  const escalationMs = (policy.escalationWindowSeconds ?? DAY_SECONDS) * 1000;
  const entries = new Map<string, MemoryEntry>();

  const current = (key: string, at: number): MemoryEntry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.failureWindowEndsAt <= at) entry.failures = 0;
    if (entry.locksForgottenAt <= at) entry.locks = 0;
    if (entry.failures === 0 && entry.locks === 0 && entry.lockedUntil <= at) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const sweep = (at: number) => {
    if (entries.size < maxEntries) return;
    for (const key of [...entries.keys()]) current(key, at);
    // Still full of live entries: forget the oldest rather than grow without bound.
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  };

  return {
    async status(account) {
      const at = now();
      const entry = current(sha256Hex(account), at);
      return entry && entry.lockedUntil > at ? { locked: true, retryAfterMs: entry.lockedUntil - at } : unlocked;
    },
    async recordFailure(account) {
      const at = now();
      const key = sha256Hex(account);
      let entry = current(key, at);
      if (entry && entry.lockedUntil > at) return { locked: true, retryAfterMs: entry.lockedUntil - at };
      if (!entry) {
        sweep(at);
        entry = { failures: 0, failureWindowEndsAt: 0, lockedUntil: 0, locks: 0, locksForgottenAt: 0 };
        entries.set(key, entry);
      }
      if (entry.failures === 0) entry.failureWindowEndsAt = at + policy.failureWindowSeconds * 1000;
      entry.failures += 1;
      if (entry.failures < policy.maxFailures) return unlocked;
      entry.failures = 0;
      entry.locks += 1;
      const lockMs = lockMilliseconds(policy, entry.locks);
      entry.lockedUntil = at + lockMs;
      entry.locksForgottenAt = entry.lockedUntil + escalationMs;
      return { locked: true, retryAfterMs: lockMs };
    },
    async recordSuccess(account) {
      const entry = current(sha256Hex(account), now());
      if (entry) entry.failures = 0;
    },
  };
}

/**
 * KEYS: failures, lock, locks (escalation). ARGV: maxFailures, failureWindowMs, lockMs,
 * maxLockMs, escalationWindowMs. Returns { locked (0/1), retryAfterMs }.
 */
const RECORD_FAILURE_SCRIPT = `
local lockTtl = redis.call('PTTL', KEYS[2])
if lockTtl > 0 then return {1, lockTtl} end
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if failures < tonumber(ARGV[1]) then return {0, 0} end
redis.call('DEL', KEYS[1])
local locks = redis.call('INCR', KEYS[3])
local lockMs = math.min(tonumber(ARGV[3]) * math.pow(2, math.min(locks - 1, 20)), tonumber(ARGV[4]))
lockMs = math.floor(lockMs)
redis.call('SET', KEYS[2], '1', 'PX', lockMs)
redis.call('PEXPIRE', KEYS[3], lockMs + tonumber(ARGV[5]))
return {1, lockMs}
`;

/** Redis throttle: shared by every auth instance; each failure is one atomic script. */
export function createRedisLoginThrottle(
  redis: Redis,
  policy: LoginThrottlePolicy,
  options: { keyPrefix?: string } = {},
): LoginThrottle {
  const prefix = options.keyPrefix ?? 'auth:login-throttle:';
  // The hash tag keeps one account's keys in one Redis Cluster slot, as the script needs.
  const keys = (account: string) => {
    const tag = `${prefix}{${sha256Hex(account)}}`;
    return { failures: `${tag}:failures`, lock: `${tag}:lock`, locks: `${tag}:locks` };
  };
  return {
    async status(account) {
      const ttl = await redis.pttl(keys(account).lock);
      return ttl > 0 ? { locked: true, retryAfterMs: ttl } : unlocked;
    },
    async recordFailure(account) {
      const { failures, lock, locks } = keys(account);
      const [locked, retryAfterMs] = (await redis.eval(
        RECORD_FAILURE_SCRIPT,
        3,
        failures,
        lock,
        locks,
        policy.maxFailures,
        policy.failureWindowSeconds * 1000,
        policy.lockSeconds * 1000,
        (policy.maxLockSeconds ?? DAY_SECONDS) * 1000,
        (policy.escalationWindowSeconds ?? DAY_SECONDS) * 1000,
      )) as [number, number];
      return locked === 1 ? { locked: true, retryAfterMs } : unlocked;
    },
    async recordSuccess(account) {
      await redis.del(keys(account).failures);
    },
  };
}
