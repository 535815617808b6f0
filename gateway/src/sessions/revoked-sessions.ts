/**
 * Sessions that ended before their access tokens did. Auth publishes
 * `platform.auth.session.revoked.v1` for every session it ends (logout, password change or
 * reset, account deletion, refresh-token replay); the gateway consumes them and refuses
 * every access token whose `sid` names such a session, on HTTP and graphql-ws alike.
 *
 * Why a consumer here rather than auth writing to Redis: the revocations already travel as
 * events (committed with the revocation, delivered however long the gateway is away), the
 * same feed serves a gateway without Redis, and auth needs no knowledge of the gateway.
 * - With Redis, the set is shared by every replica (`gateway:revoked-session:<sid>`, one
 *   consumer group for all of them: whichever replica reads an event writes it for all).
 * - Without Redis (one gateway, GATEWAY_WORKERS=1), the set is in this process, and its
 *   consumer group is new at every start so it reads the topic from the beginning again.
 * An entry lives as long as an access token issued just before the revocation could
 * (`ACCESS_TOKEN_TTL_SECONDS`); after that every token of the session has expired anyway.
 */
import { randomUUID } from 'node:crypto';
import type { Logger, RedisClient } from '@platform/service-kit';
import {
  parseEvent,
  topicForType,
  type EventTransport,
  type TransportSubscription,
} from '@platform/service-kit/events';

const SESSION_REVOKED = 'platform.auth.session.revoked.v1';
const KEY_PREFIX = 'gateway:revoked-session:';
/** Tokens are accepted this much past `exp` (access-tokens.ts); revocations outlive them by it too. */
const CLOCK_TOLERANCE_MS = 5000;
const MEMORY_ENTRIES_MAX = 1_000_000;

export interface RevokedSessions {
  isRevoked(sessionId: string): Promise<boolean>;
  /** Remembers the revocation until `until` (epoch ms); nothing when that has passed. */
  revoke(sessionId: string, until: number): Promise<void>;
}

/** Shared by every gateway replica. */
export function createRedisRevokedSessions(redis: RedisClient): RevokedSessions {
  return {
    async isRevoked(sessionId) {
      return (await redis.exists(KEY_PREFIX + sessionId)) === 1;
    },
    async revoke(sessionId, until) {
      const ttlMs = Math.ceil(until - Date.now());
      if (ttlMs > 0) await redis.set(KEY_PREFIX + sessionId, '1', 'PX', ttlMs);
    },
  };
}

/** In this process: right for a single gateway. */
export function createMemoryRevokedSessions(options: { now?: () => number } = {}): RevokedSessions {
  const now = options.now ?? Date.now;
  const until = new Map<string, number>();
  const sweep = () => {
    const at = now();
    for (const [sessionId, expiresAt] of until) if (expiresAt <= at) until.delete(sessionId);
  };
  return {
    async isRevoked(sessionId) {
      const expiresAt = until.get(sessionId);
      if (expiresAt === undefined) return false;
      if (expiresAt > now()) return true;
      until.delete(sessionId);
      return false;
    },
    async revoke(sessionId, expiresAt) {
      if (expiresAt <= now()) return;
      if (until.size >= MEMORY_ENTRIES_MAX) sweep();
      // Never dropped while live: a forgotten revocation would let a signed-out token back in.
      until.set(sessionId, Math.max(expiresAt, until.get(sessionId) ?? 0));
    },
  };
}

/**
 * Feeds `revoked` from auth's events: a session.revoked event at time T keeps the session
 * revoked until T + the access-token lifetime. Other event types on auth's topic are skipped.
 */
export async function consumeSessionRevocations(options: {
  transport: EventTransport;
  revoked: RevokedSessions;
  /** Whether `revoked` is shared by every replica (Redis): then one consumer group serves them all. */
  shared: boolean;
  accessTokenTtlSeconds: number;
  logger: Logger;
}): Promise<TransportSubscription> {
  const { revoked, logger } = options;
  const lifetimeMs = options.accessTokenTtlSeconds * 1000 + CLOCK_TOLERANCE_MS;
  return options.transport.subscribe({
    groupId: options.shared ? 'gateway.session-revocations' : `gateway.session-revocations.${randomUUID()}`,
    topics: [topicForType(SESSION_REVOKED)],
    async handle(message) {
      // Cheap filter before parsing: auth's topic carries every auth event.
      if (!message.value.includes(SESSION_REVOKED)) return;
      let event;
      try {
        event = parseEvent(message.value);
      } catch (error) {
        // Auth's own consumers dead-letter a malformed event; here it can only be skipped.
        logger.warn({ err: error, offset: message.offset }, 'skipped an auth event that does not validate');
        return;
      }
      if (event.type !== SESSION_REVOKED) return;
      const at = Date.parse(event.time);
      await revoked.revoke(event.data.sessionId, (Number.isFinite(at) ? at : Date.now()) + lifetimeMs);
      logger.debug(
        { sessionId: event.data.sessionId, reason: event.data.reason },
        'session revoked: its access tokens are refused',
      );
    },
  });
}
