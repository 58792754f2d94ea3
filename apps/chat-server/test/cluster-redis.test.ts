import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { Rig, redisAvailable, tcpNick } from './cluster-helpers.js'
import type { WsClient } from './ws-client.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

async function getJson (port: number, path: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

function texts (client: WsClient): string[] {
  return client.events.filter((e) => e.type === 'message').map((e) => e.text as string)
}

describe.skipIf(!redisAvailable)('chat cluster: Redis down', () => {
  it('while Redis is down members stay connected, a line is refused to its sender (NOT_DELIVERED) and to nobody else, /readyz is 503; then it all resumes', async () => {
    const redis = await rig.redis({ appendonly: true })
    const a = await rig.instance(redis.url)
    const b = await rig.instance(redis.url)
    expect(await getJson(a.webPort, '/readyz')).toEqual({ status: 200, body: { status: 'ready', redis: 'ready' } })
    expect((await getJson(a.webPort, '/healthz')).body).toMatchObject({ status: 'ok', redis: 'ready' })
    const alice = await rig.tcp(a.tcpPort)
    await tcpNick(alice, 'alice')
    const { client: bob } = await rig.ws(b.webPort)

    await redis.kill()
    expect(await bob.waitFor((e) => e.type === 'system' && e.code === 'REDIS_DOWN', 10_000)).toMatchObject({ text: expect.stringContaining('Redis unavailable') })
    await waitUntil(async () => (await getJson(a.webPort, '/readyz')).status === 503, '/readyz to say 503', 10_000)
    expect(await getJson(a.webPort, '/readyz')).toEqual({ status: 503, body: { statusCode: 503, code: 'ERR_REDIS_UNAVAILABLE', error: 'Service Unavailable', message: expect.stringContaining('Redis'), status: 'unavailable', redis: 'down' } })
    expect((await getJson(b.webPort, '/healthz')).body).toMatchObject({ status: 'ok', redis: 'down' })
    alice.send('lost in the outage\n')
    expect(await alice.waitFor(/^!/)).toBe('! not delivered, Redis unavailable: nobody got it; try again (your message "lost in the outage")')
    bob.send({ type: 'message', text: 'also lost' })
    expect(await bob.waitFor('error')).toMatchObject({ code: 'NOT_DELIVERED', text: expect.stringContaining('"also lost"') })

    await redis.restart()
    await bob.waitFor((e) => e.type === 'system' && e.code === 'REDIS_UP', 15_000)
    await waitUntil(async () => (await getJson(a.webPort, '/readyz')).status === 200, '/readyz to say 200 again', 15_000)
    alice.send('after the outage\n')
    await bob.waitFor((e) => e.type === 'message' && e.text === 'after the outage', 15_000)
    expect(texts(bob)).toEqual(['after the outage'])
    expect(alice.lines.filter((l) => l.startsWith('<'))).toEqual([])
  })

  it('Redis killed and restarted (appendonly) mid-traffic: every accepted message reaches every member once, in one order; refused ones are told to their sender and reach nobody', async () => {
    const redis = await rig.redis({ appendonly: true })
    const rateLimit = { burst: 100_000, perSecond: 100_000 }
    const a = await rig.instance(redis.url, { rateLimit })
    const b = await rig.instance(redis.url, { rateLimit })
    const { client: sender } = await rig.ws(a.webPort)
    const readers = [(await rig.ws(a.webPort)).client, (await rig.ws(b.webPort)).client]
    const total = 400
    let sent = 0
    const timer = setInterval(() => { if (sent < total) sender.send({ type: 'message', text: `t${sent++}` }) }, 4)
    rig.later(async () => { clearInterval(timer) })
    await waitUntil(() => sent >= 100, 'traffic before the crash')
    await redis.kill()
    await waitUntil(() => sent >= 200, 'traffic during the outage')
    await redis.restart()
    await waitUntil(() => sent >= total, 'the rest of the traffic', 20_000)
    clearInterval(timer)

    // Settled when every message is accounted for at the sender: echoed (accepted) or refused.
    const refused = (): Json[] => sender.events.filter((e) => e.type === 'error')
    const fate = (): number => texts(sender).length + refused().length
    await waitUntil(() => fate() >= total, `every message echoed or refused (have ${fate()})`, 30_000)
    const accepted = texts(sender)
    const certain = refused().filter((e) => String(e.text).startsWith('not delivered')).map((e) => /"(t\d+)"/.exec(String(e.text))?.[1])
    await waitUntil(() => readers.every((r) => texts(r).length >= accepted.length), 'the readers to catch up', 20_000)
    for (const r of readers) expect(texts(r)).toEqual(accepted)
    expect(new Set(accepted).size).toBe(accepted.length)
    for (const t of certain) expect(accepted).not.toContain(t)
    expect(accepted.length + refused().length).toBe(total)
    expect(certain.length).toBeGreaterThan(0)
    expect(accepted.length).toBeGreaterThan(100)
  })
})

type Json = Record<string, any>
