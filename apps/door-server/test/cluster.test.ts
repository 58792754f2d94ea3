import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { browser, logEvents, redisAvailable, redisForTest, startInstance, tcpClient } from './cluster-helpers.js'

describe.skipIf(!redisAvailable)('door-server cluster mode (two instances, one Redis)', () => {
  it('broadcasts a reading accepted by A to the TCP clients and dashboards of B (and of A)', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url)
    const b = await startInstance(redis.url)
    const onB = await tcpClient(b.port)
    const onA = await tcpClient(a.port)
    const page = await browser(b.webPort)
    expect(await page.nth(0)).toMatchObject({ event: null, door: null })

    a.sensor.set('open', 1_700_000_000_000)
    expect(await onB.next()).toBe('["open",1700000000000]')
    expect(await onA.next()).toBe('["open",1700000000000]')
    expect(await page.nth(1)).toMatchObject({ type: 'state', event: { name: 'open', at: 1_700_000_000_000 }, door: 'open', since: 1_700_000_000_000 })

    // And the other way round: B's reading reaches A's clients.
    b.sensor.set('close', 1_700_000_000_500)
    expect(await onA.next()).toBe('["close",1700000000500]')
    expect(await onB.next()).toBe('["close",1700000000500]')
    expect(await (await fetch(`http://127.0.0.1:${a.webPort}/state`)).json()).toMatchObject({ door: 'close', since: 1_700_000_000_500 })
  })

  it('delivers the same events in the same order on every instance when both sensors report at once', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url)
    const b = await startInstance(redis.url)
    const onA = await tcpClient(a.port)
    const onB = await tcpClient(b.port)
    // Each sensor flips on its own clock; the log decides one order for everyone.
    for (let i = 0; i < 100; i++) {
      a.sensor.set(i % 2 === 0 ? 'open' : 'close', 1_000_000 + i * 2)
      b.sensor.set(i % 2 === 0 ? 'close' : 'open', 1_000_001 + i * 2)
    }
    await waitUntil(async () => (await logEvents(a.bus)).length >= 100 && a.bus.health().pending === 0 && b.bus.health().pending === 0, 'both outboxes flushed', 15_000)
    const logged = (await logEvents(a.bus)).map((e) => JSON.stringify(e))
    await waitUntil(() => onA.lines.length === logged.length && onB.lines.length === logged.length, `${logged.length} frames on both`, 15_000)
    expect(onA.lines).toEqual(logged)
    expect(onB.lines).toEqual(logged)
    expect(a.door.snapshot()).toEqual(b.door.snapshot())
  })

  it('compares a reading with what the instance already published, not only with what came back: close+open in one tick ends open', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url)
    const b = await startInstance(redis.url)
    const onB = await tcpClient(b.port)
    a.sensor.set('open', 1000)
    expect(await onB.next()).toBe('["open",1000]')
    // Before `close` comes back from Redis, the sensor says `open` again: that is a change too.
    a.sensor.set('close', 2000)
    a.sensor.set('open', 3000)
    a.sensor.set('open', 4000) // "still open": not news
    expect(await onB.take(2)).toEqual(['["close",2000]', '["open",3000]'])
    await waitUntil(() => a.bus.health().pending === 0, 'A\'s outbox empty')
    expect((await logEvents(a.bus)).map(([name, at]) => `${name}@${at}`)).toEqual(['open@1000', 'close@2000', 'open@3000'])
    expect(b.door.snapshot()).toMatchObject({ door: 'open', since: 3000 })
  })

  it('answers a new client on B first with the state A reported, offline included', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url)
    const b = await startInstance(redis.url)
    const watcher = await tcpClient(b.port)
    a.sensor.set('open', 1_700_000_000_000)
    await watcher.next()
    const late = await tcpClient(b.port)
    expect(await late.next()).toBe('["open",1700000000000]')
    const page = await browser(b.webPort)
    expect(await page.nth(0)).toMatchObject({ event: null, door: 'open', since: 1_700_000_000_000, online: true })

    a.sensor.end() // A's source is gone: offline at once
    const [name, at] = JSON.parse(await watcher.next()) as [string, number]
    expect(name).toBe('offline')
    const later = await tcpClient(b.port)
    expect(await later.take(2)).toEqual(['["open",1700000000000]', `["offline",${at}]`])
  })

  it('gives an instance that starts later the current state, read from Redis', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url)
    const watcher = await tcpClient(a.port)
    a.sensor.set('close', 1_700_000_000_000)
    a.sensor.set('open', 1_700_000_000_100)
    await watcher.take(2)
    const b = await startInstance(redis.url)
    expect(b.door.snapshot()).toMatchObject({ door: 'open', since: 1_700_000_000_100 })
    const c = await tcpClient(b.port)
    expect(await c.next()).toBe('["open",1700000000100]')
  })

  it('answers /healthz and /readyz with the Redis link state: 503 while Redis is down, clients stay connected, the event is delivered when it is back', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url, { bus: { commandTimeoutMs: 300 } })
    const b = await startInstance(redis.url, { bus: { commandTimeoutMs: 300 } })
    const onB = await tcpClient(b.port)
    const page = await browser(b.webPort)
    const ready = await fetch(`http://127.0.0.1:${a.webPort}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: 'ready', reader: 'ready' })

    await redis.kill()
    await waitUntil(() => a.bus.health().redis === 'down', 'A sees Redis down', 10_000)
    const down = await fetch(`http://127.0.0.1:${a.webPort}/readyz`)
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({ status: 'unavailable', code: 'ERR_REDIS_UNAVAILABLE', redis: 'down' })
    const health = await fetch(`http://127.0.0.1:${a.webPort}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', ready: false, redis: 'down' })

    a.sensor.set('open', 1_700_000_000_000) // accepted while Redis is down: it waits in A's outbox
    expect(a.bus.health().pending).toBe(1)
    await waitUntil(() => a.logger.has('door event not published yet: Redis unavailable; retrying'), 'the outage logged', 10_000)

    await redis.restart()
    expect(await onB.next(15_000)).toBe('["open",1700000000000]')
    expect(onB.isClosed).toBe(false)
    expect((await page.nth(1)).door).toBe('open')
    expect(page.messages[0]?.event).toBeNull()
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${b.webPort}/readyz`)).status === 200, 'B ready again', 10_000)
  })

  // Issue 15 replaced "no /healthz or /readyz without Redis": every mode has both now, the Redis fields only in cluster mode.
  it('serves /healthz and /readyz without Redis too, with no Redis fields', async () => {
    const { startDoor } = await import('./helpers.js')
    const door = await startDoor()
    try {
      const ready = await fetch(`http://127.0.0.1:${door.webPort}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({ status: 'ready' })
    } finally {
      await door.door.close()
    }
  })
})

describe('RedisDoorBus.connect (no redis-server needed)', () => {
  it('rejects with CLUSTER_CONNECT_FAILED when nothing answers at the URL', async () => {
    const { RedisDoorBus } = await import('../src/cluster/index.js')
    await expect(RedisDoorBus.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toMatchObject({ code: 'CLUSTER_CONNECT_FAILED' })
  })
})
