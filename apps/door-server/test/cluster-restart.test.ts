import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { connectRedis } from '@eventwire/cluster'
import { startChild, waitUntil, type ChildHandle } from '@eventwire/testkit'
import { redisAvailable, redisForTest, startInstance, tcpClient } from './cluster-helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const TOKEN = 'cluster-test-token'
let children: ChildHandle[] = []

afterEach(async () => {
  await Promise.all(children.map(async (c) => await c.stop()))
  children = []
})

/** main.ts as deployed, with the HTTP sensor so the test can report readings to it. */
function main (env: Record<string, string>): ChildHandle {
  const child = startChild(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: appDir,
    env: { HOST: '127.0.0.1', DOOR_PORT: '0', DOOR_WEB_PORT: '0', DOOR_SENSOR: 'http', DOOR_SENSOR_TOKEN: TOKEN, DOOR_OFFLINE_AFTER_MS: '0', ...env }
  })
  children.push(child)
  return child
}

async function listening (child: ChildHandle): Promise<{ tcp: number, web: number }> {
  const line = await child.waitForLine(/door-server listening/, 20_000, { earlier: true })
  const { tcp, web } = JSON.parse(line) as { tcp: string, web: string }
  return { tcp: Number(tcp.split(':').at(-1)), web: Number(web.split(':').at(-1)) }
}

async function report (webPort: number, state: 'open' | 'close'): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${webPort}/sensor`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ state })
  })
  expect(res.status).toBe(200)
}

describe.skipIf(!redisAvailable)('door-server cluster mode: restarts', () => {
  it('main.ts with REDIS_URL: a reading on A reaches B; A killed (-9) and started again answers its first client with the state', async () => {
    const redis = await redisForTest()
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: 'restart-test:' }
    const a = main(env)
    const b = main(env)
    const [pa, pb] = await Promise.all([listening(a), listening(b)])
    const onB = await tcpClient(pb.tcp)
    await report(pa.web, 'open')
    const [name, since] = JSON.parse(await onB.next(10_000)) as [string, number]
    expect(name).toBe('open')

    a.child.kill('SIGKILL')
    expect(await a.exited).toBe('SIGKILL')
    const again = main(env)
    const pa2 = await listening(again)
    const first = await tcpClient(pa2.tcp)
    expect(await first.next(10_000)).toBe(`["open",${since}]`)
    const ready = await fetch(`http://127.0.0.1:${pa2.web}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: 'ready' })
    // The keys live under REDIS_PREFIX.
    const link = await connectRedis(redis.url)
    const keys = await link.redis.keys('*').finally(async () => await link.quit())
    expect(keys).toContain('restart-test:door:state')
    expect(keys.filter((k) => !k.startsWith('restart-test:'))).toEqual([])

    // SIGTERM drains: clients see EOF, exit 0, and the Redis connections are closed.
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)
    await first.closed
  })

  it('keeps the state through a Redis crash and restart with appendonly: readers resume, and an instance started afterwards gets it', async () => {
    const redis = await redisForTest({ appendonly: true })
    const a = await startInstance(redis.url)
    const b = await startInstance(redis.url)
    const onA = await tcpClient(a.port)
    const onB = await tcpClient(b.port)
    a.sensor.set('open', 1_700_000_000_000)
    expect(await onB.next()).toBe('["open",1700000000000]')
    expect(await onA.next()).toBe('["open",1700000000000]')

    await redis.kill() // SIGKILL: only what the AOF has survives (appendfsync always)
    await redis.restart()
    await waitUntil(() => a.bus.health().ready && b.bus.health().ready, 'both instances reconnected', 15_000)
    b.sensor.set('close', 1_700_000_000_500) // the readers resumed: B's reading reaches A's clients
    expect(await onA.next(10_000)).toBe('["close",1700000000500]')
    expect(await onB.next(10_000)).toBe('["close",1700000000500]')
    const late = await tcpClient(b.port)
    expect(await late.next()).toBe('["close",1700000000500]')
    expect(a.logger.has(/door log was reset/)).toBe(false) // same epoch: nothing was lost

    // Every instance gone, Redis restarted again: a new instance starts from what Redis kept.
    await a.stop()
    await b.stop()
    await redis.restart()
    const c = await startInstance(redis.url)
    expect(c.door.snapshot()).toMatchObject({ door: 'close', since: 1_700_000_000_500 })
    const onC = await tcpClient(c.port)
    expect(await onC.next()).toBe('["close",1700000000500]')
  })
})

describe('door-server main.ts: REDIS_URL and REDIS_PREFIX (no redis-server needed)', () => {
  it('refuses a bad REDIS_URL with one line naming it (exit 2), and says when Redis cannot be reached (exit 1)', async () => {
    const bad = main({ REDIS_URL: 'http://user:s3cret@127.0.0.1:6379' })
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toHaveLength(1)
    expect(bad.stderr[0]).toMatch(/^door-server: REDIS_URL \(--redis-url\) must look like redis:\/\//)
    expect(bad.stderr[0]).not.toMatch(/s3cret/)

    const prefix = main({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: 'has space' })
    expect(await prefix.exited).toBe(2)
    expect(prefix.stderr).toEqual(['door-server: REDIS_PREFIX (--redis-prefix) must not contain spaces, got "has space"'])

    const unreachable = main({ REDIS_URL: 'redis://:pw@127.0.0.1:1' })
    expect(await unreachable.exited).toBe(1)
    expect(unreachable.stderr).toHaveLength(1)
    expect(unreachable.stderr[0]).toMatch(/^door-server failed to start: REDIS_URL redis:\/\/:\*\*\*@127\.0\.0\.1:1.*cannot connect.*fix REDIS_URL$/)
  })
})
