import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * A Lua script run with EVALSHA, falling back to EVAL when Redis does not know it (first use, or
 * after a restart flushed the script cache). Every key a script touches is passed in KEYS.
 */
export class LuaScript {
  readonly source: string
  readonly sha: string

  constructor (source: string) {
    this.source = source
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run (redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      return await redis.eval(this.source, keys.length, ...keys, ...args)
    }
  }
}
