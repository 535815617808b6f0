/** Redis connections (ioredis). Optional everywhere: without REDIS_URL services use in-process fallbacks. */
import { Redis } from 'ioredis';
import { traceRedisCommands } from './telemetry/instrument.js';
import { serviceTracer } from './telemetry/spans.js';

export type RedisClient = Redis;

export function createRedis(url: string, connectionName: string): Redis {
  const redis = new Redis(url, {
    connectionName,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  traceRedisCommands(redis, serviceTracer(connectionName));
  return redis;
}

export async function isRedisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
