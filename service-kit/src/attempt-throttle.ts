/**
 * Throttling of password attempts per account, against guessing: auth's sign-ins (per
 * address) and identity's password changes (per user). Every attempt is counted
 * *before* its password is verified, in one atomic step that also checks the lock: of any
 * number of concurrent guesses, at most `maxFailures` within `failureWindowSeconds`
 * (counted from the first) reach verification; the rest are refused without being
 * verified. The last failure of the budget locks the account for `lockSeconds`; each
 * further lock within 24 hours after the previous one ended doubles it, up to 24 hours.
 * A success clears the count (not the lock history). Attempts while locked are refused and
 * not counted.
 *
 * Two implementations of one interface: Redis (shared by every auth instance, each step
 * one atomic Lua script) and in-process memory (a single instance, development). Account
 * keys are hashed, so Redis holds no addresses. A store that cannot answer rejects: the
 * caller then refuses rather than verify unthrottled (fail closed).
 */
import { sha256Hex } from './crypto.js';
import type { Redis } from 'ioredis';

export interface AttemptThrottlePolicy {
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
  /** Milliseconds until the lock ends (or the attempt budget frees up); 0 when not locked. */
  retryAfterMs: number;
}

export interface AttemptThrottle {
  /** Whether `account` is locked right now. */
  status(account: string): Promise<LockState>;
  /**
   * Counts an attempt before its password is verified. `locked` refuses it: the account is
   * locked, or its budget is spent by attempts still being verified.
   */
  attempt(account: string): Promise<LockState>;
  /** The counted attempt failed; returns the lock it caused, if any. */
  recordFailure(account: string): Promise<LockState>;
  /** Clears the count after a success. */
  recordSuccess(account: string): Promise<void>;
}

const DAY_SECONDS = 86_400;

function lockMilliseconds(policy: AttemptThrottlePolicy, lockNumber: number): number {
  const max = (policy.maxLockSeconds ?? DAY_SECONDS) * 1000;
  // 2^20 already exceeds any sensible cap; bounding the exponent keeps the number finite.
  return Math.min(policy.lockSeconds * 1000 * 2 ** Math.min(lockNumber - 1, 20), max);
}

const unlocked: LockState = Object.freeze({ locked: false, retryAfterMs: 0 });

interface MemoryEntry {
  /** Attempts counted in the window (failed or still being verified). */
  failures: number;
  failureWindowEndsAt: number;
  lockedUntil: number;
  /** Locks so far whose escalation window has not lapsed. */
  locks: number;
  locksForgottenAt: number;
}

/**
 * In-process throttle: right for one instance; state is lost on restart. Holds at most
 * `maxEntries` accounts; only entries that have lapsed are evicted. When every entry is
 * still live, a new account's attempt is refused (fail closed) rather than forget a lock or
 * a count an attacker has built up.
 */
export function createMemoryAttemptThrottle(
  policy: AttemptThrottlePolicy,
  options: { now?: () => number; maxEntries?: number } = {},
): AttemptThrottle {
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

  /** Whether there is room for a new entry, after dropping the lapsed ones. */
  const room = (at: number): boolean => {
    if (entries.size < maxEntries) return true;
    for (const key of [...entries.keys()]) current(key, at);
    return entries.size < maxEntries;
  };

  const lockOf = (entry: MemoryEntry | undefined, at: number): LockState | null =>
    entry && entry.lockedUntil > at ? { locked: true, retryAfterMs: entry.lockedUntil - at } : null;

  return {
    async status(account) {
      const at = now();
      return lockOf(current(sha256Hex(account), at), at) ?? unlocked;
    },
    async attempt(account) {
      const at = now();
      const key = sha256Hex(account);
      let entry = current(key, at);
      const lock = lockOf(entry, at);
      if (lock) return lock;
      if (!entry) {
        if (!room(at)) return { locked: true, retryAfterMs: policy.failureWindowSeconds * 1000 };
        entry = { failures: 0, failureWindowEndsAt: 0, lockedUntil: 0, locks: 0, locksForgottenAt: 0 };
        entries.set(key, entry);
      }
      if (entry.failures >= policy.maxFailures) return { locked: true, retryAfterMs: entry.failureWindowEndsAt - at };
      if (entry.failures === 0) entry.failureWindowEndsAt = at + policy.failureWindowSeconds * 1000;
      entry.failures += 1;
      return unlocked;
    },
    async recordFailure(account) {
      const at = now();
      const entry = current(sha256Hex(account), at);
      if (!entry) return unlocked;
      const lock = lockOf(entry, at);
      if (lock) return lock;
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
 * KEYS: attempts, lock. ARGV: maxFailures, failureWindowMs. Returns { refused (0/1), retryAfterMs }:
 * refused while locked (not counted) or while the window's budget is spent by attempts in flight.
 */
const ATTEMPT_SCRIPT = `
local lockTtl = redis.call('PTTL', KEYS[2])
if lockTtl > 0 then return {1, lockTtl} end
local attempts = redis.call('INCR', KEYS[1])
if attempts == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if attempts > tonumber(ARGV[1]) then return {1, math.max(redis.call('PTTL', KEYS[1]), 1)} end
return {0, 0}
`;

/**
 * KEYS: attempts, lock, locks (escalation). ARGV: maxFailures, (unused), lockMs, maxLockMs,
 * escalationWindowMs. The attempt was counted by ATTEMPT_SCRIPT; this locks when the count
 * has reached the budget. Returns { locked (0/1), retryAfterMs }.
 */
const RECORD_FAILURE_SCRIPT = `
local lockTtl = redis.call('PTTL', KEYS[2])
if lockTtl > 0 then return {1, lockTtl} end
local attempts = tonumber(redis.call('GET', KEYS[1]) or '0')
if attempts < tonumber(ARGV[1]) then return {0, 0} end
redis.call('DEL', KEYS[1])
local locks = redis.call('INCR', KEYS[3])
local lockMs = math.min(tonumber(ARGV[3]) * math.pow(2, math.min(locks - 1, 20)), tonumber(ARGV[4]))
lockMs = math.floor(lockMs)
redis.call('SET', KEYS[2], '1', 'PX', lockMs)
redis.call('PEXPIRE', KEYS[3], lockMs + tonumber(ARGV[5]))
return {1, lockMs}
`;

/** Redis throttle: shared by every auth instance; each attempt and each failure is one atomic script. */
export function createRedisAttemptThrottle(
  redis: Redis,
  policy: AttemptThrottlePolicy,
  /** Whose attempts these are, e.g. `auth:login-throttle:`: each use its own keys. */
  keyPrefix: string,
): AttemptThrottle {
  const prefix = keyPrefix;
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
    async attempt(account) {
      const { failures, lock } = keys(account);
      const [refused, retryAfterMs] = (await redis.eval(
        ATTEMPT_SCRIPT,
        2,
        failures,
        lock,
        policy.maxFailures,
        policy.failureWindowSeconds * 1000,
      )) as [number, number];
      return refused === 1 ? { locked: true, retryAfterMs } : unlocked;
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
