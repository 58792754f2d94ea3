import type { AppLogger } from '@eventwire/protocol'
import type { RedisDoorBus } from './redis-door-bus.js'

/**
 * main.ts's way into cluster mode: loads the Redis bus only when REDIS_URL is
 * set (an in-process server never loads ioredis), connects it, and turns a
 * failed first connect into one start-up line naming REDIS_URL (exit 1:
 * Redis may just not be up yet; a supervisor restarts the service).
 */
export async function connectClusterBus (redis: { url: string, prefix: string }, logger: AppLogger): Promise<RedisDoorBus> {
  const { RedisDoorBus } = await import('./redis-door-bus.js')
  try {
    return await RedisDoorBus.connect({ url: redis.url, prefix: redis.prefix, logger })
  } catch (err) {
    const { redactUrl } = await import('@eventwire/cluster')
    throw new Error(`REDIS_URL ${redactUrl(redis.url)}: ${(err as Error).message}; start Redis there or fix REDIS_URL`, { cause: err })
  }
}
