/** Redis connections (ioredis). Optional everywhere: without REDIS_URL services use in-process fallbacks. */
import { Redis } from 'ioredis';

export type RedisClient = Redis;

export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    connectionName,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
}

export async function isRedisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
