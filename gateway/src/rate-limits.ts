/**
 * Rate limits at the gateway (rate-limiter-flexible, fixed windows): every request counts once
 * against its client address and, with an access token, once against its user (`sub`); the
 * expensive operations (root mutation fields whose `@cost` weight is at least
 * {@link EXPENSIVE_FIELD_WEIGHT}: login, register, password reset and change, whatever runs
 * argon2id) count against a separate, stricter budget, once per field, so forty aliased
 * `register`s cost forty. In Redis with `REDIS_URL` (shared by every replica; an unreachable
 * Redis falls back to this process's memory rather than failing open), in memory otherwise.
 *
 * A refusal is `RATE_LIMITED` with `extensions.retryAfter` (seconds) and `Retry-After`; every
 * counted response carries the IETF `RateLimit` and `RateLimit-Policy` fields
 * (draft-ietf-httpapi-ratelimit-headers: `"client";q=1200;w=60` and `"client";r=1187;t=42`).
 */
import type { RedisClient } from '@platform/service-kit';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { GatewayConfig } from './config.js';

/**
 * A root mutation field with `@cost(weight:)` of at least this is an expensive operation (the
 * schema says which fields hash a password: one declaration, next to the field).
 */
export const EXPENSIVE_FIELD_WEIGHT = 100;

export type RateLimitPolicyName = 'client' | 'user' | 'expensive-client' | 'expensive-user';

interface Policy {
  name: RateLimitPolicyName;
  limiter: RateLimiterAbstract;
  quota: number;
  windowSeconds: number;
}

/** One policy's count after a request: what the `RateLimit` field reports. */
export interface RateLimitState {
  policy: Policy;
  remaining: number;
  resetSeconds: number;
}

export interface RateLimitDecision {
  /** Seconds until the most constraining exceeded policy allows again; null when allowed. */
  retryAfterSeconds: number | null;
  states: RateLimitState[];
}

/** Who a request counts against: its client address, and its user when it has a token. */
export interface RateLimitSubject {
  client: string | null;
  userId: string | null;
}

export interface RateLimits {
  /** Counts one request. */
  request(subject: RateLimitSubject): Promise<RateLimitDecision>;
  /** Counts `count` expensive operations (nothing when 0). */
  expensive(subject: RateLimitSubject, count: number): Promise<RateLimitDecision>;
}

export interface RateLimitSettings {
  windowSeconds: number;
  perClient: number;
  perUser: number;
  expensiveWindowSeconds: number;
  expensivePerClient: number;
  expensivePerUser: number;
}

export function rateLimitSettingsFrom(config: GatewayConfig): RateLimitSettings | null {
  if (!config.RATE_LIMITS) return null;
  return {
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    perClient: config.RATE_LIMIT_PER_CLIENT,
    perUser: config.RATE_LIMIT_PER_USER,
    expensiveWindowSeconds: config.EXPENSIVE_OPERATIONS_WINDOW_SECONDS,
    expensivePerClient: config.EXPENSIVE_OPERATIONS_PER_CLIENT,
    expensivePerUser: config.EXPENSIVE_OPERATIONS_PER_USER,
  };
}

export function createRateLimits(
  settings: RateLimitSettings,
  options: {
    redis?: RedisClient;
    keyPrefix?: string;
    /** Told of each policy a request exceeded (`gateway_rate_limit_refusals_total`). */
    onRefused?: (policy: RateLimitPolicyName) => void;
  } = {},
): RateLimits {
  const prefix = options.keyPrefix ?? 'gateway:rate-limit';
  const policy = (name: RateLimitPolicyName, quota: number, windowSeconds: number): Policy => {
    const memory = { points: quota, duration: windowSeconds };
    const limiter = options.redis
      ? new RateLimiterRedis({
          ...memory,
          storeClient: options.redis,
          keyPrefix: `${prefix}:${name}`,
          // Redis down: count in this process (each replica alone) rather than let everything through.
          insuranceLimiter: new RateLimiterMemory(memory),
        })
      : new RateLimiterMemory({ ...memory, keyPrefix: name });
    return { name, limiter, quota, windowSeconds };
  };
  const client = policy('client', settings.perClient, settings.windowSeconds);
  const user = policy('user', settings.perUser, settings.windowSeconds);
  const expensiveClient = policy('expensive-client', settings.expensivePerClient, settings.expensiveWindowSeconds);
  const expensiveUser = policy('expensive-user', settings.expensivePerUser, settings.expensiveWindowSeconds);

  const count = async (counted: [Policy, string][], points: number): Promise<RateLimitDecision> => {
    const results = await Promise.all(
      counted.map(async ([counting, key]) => {
        try {
          return { policy: counting, result: await counting.limiter.consume(key, points), exceeded: false };
        } catch (rejection) {
          // Over the quota rejects with the count; anything else (a store error without insurance) is a real error.
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          return { policy: counting, result: rejection, exceeded: true };
        }
      }),
    );
    const exceeded = results.filter((entry) => entry.exceeded);
    for (const entry of exceeded) options.onRefused?.(entry.policy.name);
    return {
      retryAfterSeconds:
        exceeded.length > 0
          ? Math.max(1, ...exceeded.map((entry) => Math.ceil(entry.result.msBeforeNext / 1000)))
          : null,
      states: results.map(({ policy: counting, result }) => ({
        policy: counting,
        remaining: Math.max(0, result.remainingPoints),
        resetSeconds: Math.max(0, Math.ceil(result.msBeforeNext / 1000)),
      })),
    };
  };
  const subjects = (subject: RateLimitSubject, byClient: Policy, byUser: Policy): [Policy, string][] => [
    ...(subject.client !== null ? [[byClient, subject.client] as [Policy, string]] : []),
    ...(subject.userId !== null ? [[byUser, subject.userId] as [Policy, string]] : []),
  ];
  return {
    request: (subject) => count(subjects(subject, client, user), 1),
    expensive: async (subject, operations) =>
      operations === 0
        ? { retryAfterSeconds: null, states: [] }
        : count(subjects(subject, expensiveClient, expensiveUser), operations),
  };
}

/** The `RateLimit-Policy` and `RateLimit` fields of the policies a response was counted against. */
export function rateLimitHeaders(states: readonly RateLimitState[]): Record<string, string> {
  if (states.length === 0) return {};
  return {
    'ratelimit-policy': states
      .map(({ policy }) => `"${policy.name}";q=${policy.quota};w=${policy.windowSeconds}`)
      .join(', '),
    ratelimit: states.map((state) => `"${state.policy.name}";r=${state.remaining};t=${state.resetSeconds}`).join(', '),
  };
}

/** The refusal of a request or an operation over a budget. */
export function rateLimitedError(retryAfterSeconds: number, what = 'requests'): GraphQLError {
  return new GraphQLError(`Too many ${what}, try again in ${retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds },
  });
}
