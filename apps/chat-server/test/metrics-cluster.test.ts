import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { parsePrometheusText, type PrometheusText } from '@eventwire/kit/metrics'
import { Rig, redisAvailable } from './cluster-helpers.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

/** GET /metrics over real HTTP, read by the kit's strict text-format reader. */
async function scrape (webPort: number): Promise<PrometheusText> {
  const res = await fetch(`http://127.0.0.1:${webPort}/metrics`)
  expect(res.status).toBe(200)
  return parsePrometheusText(await res.text())
}

async function getJson (port: number, path: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

describe.skipIf(!redisAvailable)('chat-server /metrics and /readyz in cluster mode', () => {
  it('eventwire_redis_up and /readyz follow the Redis link, and a line Redis could not take is counted as not_delivered', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const up = await scrape(a.webPort)
    expect(up.value('eventwire_redis_up')).toBe(1)
    expect(up.value('eventwire_ready')).toBe(1)
    expect(up.value('eventwire_messages_dropped_total', { transport: 'tcp', reason: 'not_delivered' })).toBe(0)
    expect(await getJson(a.webPort, '/readyz')).toEqual({ status: 200, body: { status: 'ready', redis: 'ready' } })
    expect(await getJson(a.webPort, '/healthz')).toEqual({ status: 200, body: { status: 'ok', redis: 'ready', members: 0, tcp: 0, ws: 0 } })
    const alice = await rig.tcp(a.tcpPort)

    await redis.kill()
    await waitUntil(async () => (await getJson(a.webPort, '/readyz')).status === 503, '/readyz to say 503', 10_000)
    expect((await getJson(a.webPort, '/readyz')).body).toEqual({
      statusCode: 503,
      code: 'ERR_REDIS_UNAVAILABLE',
      error: 'Service Unavailable',
      message: expect.stringContaining('the Redis link is'),
      status: 'unavailable',
      redis: expect.stringMatching(/^(down|connecting)$/)
    })
    alice.send('lost in the outage')
    expect(await alice.waitFor(/^!/)).toMatch(/^! not delivered/)
    const down = await scrape(a.webPort)
    expect(down.value('eventwire_redis_up')).toBe(0)
    expect(down.value('eventwire_ready')).toBe(0)
    expect(down.value('eventwire_messages_dropped_total', { transport: 'tcp', reason: 'not_delivered' })).toBe(1)
    expect(down.value('eventwire_chat_members', { transport: 'tcp' })).toBe(1)
  })
})
