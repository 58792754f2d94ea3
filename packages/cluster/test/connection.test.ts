import { describe, expect, it } from 'vitest'
import { startRedisServer } from '@eventwire/testkit'
import { connectRedis, redactUrl, type LinkState } from '../src/connection.js'
import { StreamLog } from '../src/stream-log.js'
import { linkForTest, redisAvailable, redisForTest, rejection, stateOf, within } from './helpers.js'

describe.skipIf(!redisAvailable)('RedisLink', () => {
  it('keeps every key under the prefix', async () => {
    const server = await redisForTest()
    const link = await linkForTest(server.url, { prefix: 'deploy-a:' })
    const log = new StreamLog(link, 'room')
    await log.append('x', { dedupeId: 'd1' })
    const keys = await link.redis.keys('*')
    expect(keys.sort()).toEqual(['deploy-a:log:room', 'deploy-a:log:room:dedupe:d1', 'deploy-a:log:room:meta'])
  })

  it('fails every command at once while Redis is down, says down, and recovers when it returns', async () => {
    const server = await redisForTest()
    const link = await linkForTest(server.url)
    const states: LinkState[] = []
    link.on('state', (s) => states.push(s))
    const log = new StreamLog(link, 'room')
    await log.append('before')
    await server.kill()
    await stateOf(link, 'down')
    for (const attempt of [log.append('during'), log.last(5), log.since(0, 5), link.run('ping', async (r) => await r.ping())]) {
      const err = await within(rejection(attempt), 5000, 'a command while Redis is down')
      expect(err.code).toBe('CLUSTER_REDIS_DOWN')
      expect(err.uncertain).toBe(false)
      expect(err.message).toMatch(/Redis unavailable/)
    }
    await server.restart()
    await link.waitReady(15_000)
    expect((await log.append('after')).seq).toBe(1) // no persistence in this test: a new log
    expect(states).toEqual(['down', 'ready'])
  })

  it('fails commands in bounded time while Redis is frozen (SIGSTOP), goes down, and recovers after SIGCONT', async () => {
    const server = await redisForTest()
    const link = await linkForTest(server.url, { commandTimeoutMs: 300, heartbeatMs: 100 })
    const log = new StreamLog(link, 'room')
    await log.append('before')
    server.pause()
    try {
      const err = await within(rejection(log.append('frozen')), 10_000, 'an append to a frozen Redis')
      expect(['CLUSTER_REDIS_TIMEOUT', 'CLUSTER_REDIS_CONNECTION_LOST', 'CLUSTER_REDIS_DOWN']).toContain(err.code)
      await stateOf(link, 'down')
      expect((await rejection(log.append('still frozen'))).code).toBe('CLUSTER_REDIS_DOWN')
    } finally {
      server.resume()
    }
    await link.waitReady(15_000)
    const after = await log.append('after')
    // the timed-out append may or may not have been applied: that is what `uncertain` says
    expect([2, 3]).toContain(after.seq)
  })

  it('rejects the first connect with a code when nothing listens, without the password in the message', async () => {
    const server = await startRedisServer()
    const url = `redis://user:secret@127.0.0.1:${server.port}`
    await server.stop()
    const err = await rejection(connectRedis(url, { connectTimeoutMs: 500, retryMaxMs: 100 }))
    expect(err).toMatchObject({ code: 'CLUSTER_CONNECT_FAILED' })
    expect(err.message).not.toContain('secret')
    expect(redactUrl(url)).toBe(`redis://user:***@127.0.0.1:${server.port}`)
  })
})

// Runs everywhere: it is the message a machine without redis-server gets.
describe('startRedisServer', () => {
  it('says how to install redis-server when it is missing', async () => {
    const saved = process.env.REDIS_SERVER_BIN
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server'
    try {
      const err = await rejection(startRedisServer())
      expect(err).toMatchObject({ code: 'REDIS_SERVER_MISSING' })
      expect(err.message).toContain('apt-get install redis-server')
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN
      else process.env.REDIS_SERVER_BIN = saved
    }
  })
})
