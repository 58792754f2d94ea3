import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { Rig, redisAvailable } from './cluster-helpers.js'
import type { WsClient } from './ws-client.js'

const rig = new Rig()
afterEach(async () => { await rig.stopAll() })

const rateLimit = { burst: 100_000, perSecond: 100_000 }

/** The texts of the `message` events a client has received so far, in order. */
function texts (client: WsClient, mark: string): string[] {
  return client.events.filter((e) => e.type === 'message' && String(e.text).startsWith(mark)).map((e) => e.text as string)
}

describe.skipIf(!redisAvailable)('chat cluster: one order', () => {
  it('1,000 messages sent at once from both instances are seen in the same order by members on both, each once, seqs increasing', async () => {
    const redis = await rig.redis()
    const a = await rig.instance(redis.url, { rateLimit })
    const b = await rig.instance(redis.url, { rateLimit })
    const { client: senderA } = await rig.ws(a.webPort)
    const { client: senderB } = await rig.ws(b.webPort)
    const { client: readerA } = await rig.ws(a.webPort)
    const { client: readerB } = await rig.ws(b.webPort)
    const tcpOnB = await rig.tcp(b.tcpPort)
    for (let i = 0; i < 500; i++) {
      senderA.send({ type: 'message', text: `m A${i}` })
      senderB.send({ type: 'message', text: `m B${i}` })
    }
    const everyone = [senderA, senderB, readerA, readerB]
    await waitUntil(() => everyone.every((c) => texts(c, 'm ').length >= 1000), 'every member to get the 1,000 messages', 30_000)
    await waitUntil(() => tcpOnB.lines.filter((l) => l.includes('> m ')).length >= 1000, 'the TCP member to get them', 30_000)
    const order = texts(readerA, 'm ')
    expect(order).toHaveLength(1000)
    expect(new Set(order).size).toBe(1000)
    for (const c of everyone) expect(texts(c, 'm ')).toEqual(order)
    expect(tcpOnB.lines.filter((l) => l.includes('> m ')).map((l) => l.replace(/^<[^>]+> /, ''))).toEqual(order)
    // Each sender's own lines keep the order it sent them in, interleaved by the log.
    expect(order.filter((t) => t.startsWith('m A'))).toEqual(Array.from({ length: 500 }, (_, i) => `m A${i}`))
    const seqs = readerB.events.filter((e) => e.type === 'message').map((e) => e.seq as number)
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number)
  })
})
