import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { connectRedis } from '@eventwire/cluster'
import { Rig, redisAvailable, tcpNick } from './cluster-helpers.js'
import { startServer } from './helpers.js'
import type { WsClient } from './ws-client.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

type Json = Record<string, any>

/** The events a client got after its welcome up to (and with) the RECOVERED or RESET notice. */
async function intro (client: WsClient): Promise<Json[]> {
  const out: Json[] = []
  for (;;) {
    const e = await client.next(10_000)
    out.push(e)
    if (e.type === 'system' && (e.code === 'RECOVERED' || e.code === 'RESET')) return out
  }
}

function messages (events: Json[]): string[] {
  return events.filter((e) => e.type === 'message').map((e) => e.text as string)
}

describe('recovery with since/epoch, in-process', () => {
  it('a client that reconnects with its last seq and the epoch gets exactly what it missed, then live events', async () => {
    const started = await startServer()
    rig.later(async () => await started.server.close())
    const alice = await rig.tcp(started.tcpPort)
    await tcpNick(alice, 'alice')
    const { client: page, welcome } = await rig.ws(started.webPort)
    expect(welcome).toMatchObject({ epoch: expect.stringMatching(/^[0-9a-f]{16}$/), seq: expect.any(Number) })
    alice.send('before\n')
    const seen = await page.waitFor('message')
    await page.close()
    await alice.waitFor(/ left \(connection closed\)$/)
    alice.send('missed one\n')
    alice.send('missed two\n')
    await waitUntil(() => started.server.room.history().length === 3, 'the two messages to be said')

    const { client: back, welcome: again } = await rig.ws(started.webPort, `since=${seen.seq as number}&epoch=${welcome.epoch as string}`)
    expect(again.seq).toBe(seen.seq)
    const events = await intro(back)
    expect(events.some((e) => e.type === 'history')).toBe(false)
    // Its old self's leave, then the two messages: every room event after its seq, in order, seqs consecutive.
    expect(events.map((e) => e.type)).toEqual(['leave', 'message', 'message', 'system'])
    expect(messages(events)).toEqual(['missed one', 'missed two'])
    expect(events.slice(0, 3).map((e) => e.seq)).toEqual([seen.seq + 1, seen.seq + 2, seen.seq + 3])
    expect(events[3]).toMatchObject({ code: 'RECOVERED', recovered: 3 })
    alice.send('live\n')
    expect(await back.waitFor('message')).toMatchObject({ text: 'live', seq: seen.seq + 5 }) // after its own join
  })

  it('a position from another epoch (the server restarted) gets RESET, then the history to reload from', async () => {
    const started = await startServer()
    rig.later(async () => await started.server.close())
    const alice = await rig.tcp(started.tcpPort)
    alice.send('kept\n')
    await waitUntil(() => started.server.room.history().length === 1, 'the message')
    const { client, welcome } = await rig.ws(started.webPort, 'since=40&epoch=00000000000000aa')
    const events = await intro(client)
    expect(events).toEqual([{ type: 'system', code: 'RESET', epoch: welcome.epoch, text: expect.stringContaining('reset') }])
    expect(await client.waitFor('history')).toMatchObject({ messages: [{ text: 'kept' }] })
    // A malformed position is no position: a plain join with history.
    const { client: plain } = await rig.ws(started.webPort, 'since=-1&epoch=zz')
    expect(await plain.next()).toMatchObject({ type: 'history' })
  })
})

describe.skipIf(!redisAvailable)('recovery with since/epoch, cluster', () => {
  it('a page that loses A mid-traffic and reconnects to B with its position misses nothing and sees nothing twice', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url, { rateLimit: { burst: 10_000, perSecond: 10_000 } })
    const b = await rig.instance(redis.url)
    const alice = await rig.tcp(a.tcpPort)
    const { client: page, welcome } = await rig.ws(a.webPort)
    const total = 200
    let sent = 0
    const sender = setInterval(() => { if (sent < total) alice.send(`n${sent++}\n`) }, 3)
    rig.later(async () => { clearInterval(sender) })
    await page.waitFor((e) => e.type === 'message' && e.text === 'n40', 10_000)
    await page.close()
    const before = messages(page.events)
    const last = page.events.filter((e) => typeof e.seq === 'number').at(-1) as Json
    await waitUntil(() => sent >= 100, 'more messages while the page is away')
    const { client: back } = await rig.ws(b.webPort, `since=${last.seq as number}&epoch=${welcome.epoch as string}`)
    await back.waitFor((e) => e.type === 'message' && e.text === `n${total - 1}`, 20_000)
    const all = [...before, ...messages(back.events)]
    expect(all).toEqual(Array.from({ length: total }, (_, i) => `n${i}`))
  })

  it('entries trimmed before an instance read them: its members are told how many they missed (MISSED), and so is a reconnect that reaches back past them', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url)
    const { client: page } = await rig.ws(a.webPort)
    const { client: away, welcome } = await rig.ws(a.webPort)
    const mark = await page.waitFor('join')
    await away.close()
    await page.waitFor('leave')
    const link = await connectRedis(redis.url)
    rig.later(async () => await link.quit())
    // 300 entries and a trim to the last 5 in one script: the instance's blocked read wakes to find 295 gone.
    await link.redis.eval(`
      for i = 1, 300 do
        local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
        redis.call('XADD', KEYS[1], '*', 's', seq, 'd', '{"type":"message","from":"burst","fromId":"x","text":"b' .. i .. '","ts":1}')
      end
      redis.call('XTRIM', KEYS[1], 'MAXLEN', '=', 5)`, 2, 'eventwire:log:chat-room', 'eventwire:log:chat-room:meta')
    expect(await page.waitFor('system', 10_000)).toMatchObject({ code: 'MISSED', missed: 295 })
    await page.waitFor((e) => e.type === 'message' && e.text === 'b300')
    expect(messages(page.events)).toEqual(['b296', 'b297', 'b298', 'b299', 'b300'])

    const { client: back } = await rig.ws(a.webPort, `since=${mark.seq as number}&epoch=${welcome.epoch as string}`)
    const events = await intro(back)
    expect(events[0]).toMatchObject({ type: 'system', code: 'MISSED', missed: 296 }) // its own leave, then 295 messages
    expect(messages(events)).toEqual(['b296', 'b297', 'b298', 'b299', 'b300'])
    expect(events.at(-1)).toMatchObject({ code: 'RECOVERED', recovered: 5 })
  })
})
