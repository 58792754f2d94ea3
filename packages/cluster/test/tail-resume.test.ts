import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import type { RedisLink } from '../src/connection.js'
import { StreamLog } from '../src/stream-log.js'
import { closeAfter, collector, linkForTest, redisAvailable, redisForTest } from './helpers.js'

/** Appends m0..m(n-1) one after another, retrying each with its dedupe id until Redis accepts it. */
async function appendAll (log: StreamLog, n: number, onAccepted: (i: number) => void | Promise<void> = () => {}): Promise<number> {
  let failures = 0
  for (let i = 0; i < n; i++) {
    for (;;) {
      try {
        await log.append(`m${i}`, { dedupeId: `m${i}` })
        break
      } catch {
        failures++
        await log.link.waitReady(15_000)
      }
    }
    await onAccepted(i)
  }
  return failures
}

async function clientIdByName (link: RedisLink, name: string): Promise<string> {
  const list = await link.redis.client('LIST') as string
  const line = list.split('\n').find((l) => l.includes(` name=${name} `))
  const id = line?.match(/^id=(\d+)/)?.[1]
  if (id === undefined) throw new Error(`no client named ${name} in ${list}`)
  return id
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i}`)

describe.skipIf(!redisAvailable)('TailReader resume', () => {
  it('resumes after CLIENT KILL of its connection with nothing lost or doubled', async () => {
    const server = await redisForTest()
    const writer = await linkForTest(server.url, { name: 'writer' })
    const admin = await linkForTest(server.url, { name: 'admin' })
    const log = new StreamLog(writer, 'room')
    const seen = collector()
    closeAfter(await log.tail('end', seen.handler, { name: 'victim', blockMs: 1000 }))
    await appendAll(log, 300, async (i) => {
      if (i === 100 || i === 200) {
        await seen.waitFor(i) // it is reading live when its connection dies
        await admin.redis.client('KILL', 'ID', await clientIdByName(admin, 'victim'))
      }
    })
    await seen.waitFor(300)
    expect(seen.entries.map((e) => e.data)).toEqual(expected(300))
    expect(seen.states.filter((s) => s === 'down').length).toBeGreaterThanOrEqual(2)
    expect(seen.resets).toEqual([])
    expect(seen.gaps).toEqual([])
  })

  it('resumes after Redis is killed and restarted with appendonly: every accepted entry once, in order, same epoch', async () => {
    const server = await redisForTest({ appendonly: true })
    const writer = await linkForTest(server.url, { name: 'writer' })
    const log = new StreamLog(writer, 'room')
    const epoch = await log.epoch()
    const seen = collector()
    closeAfter(await log.tail('end', seen.handler, { blockMs: 1000 }))
    // The crash happens under traffic: appends in flight fail (some after Redis applied them) and are retried.
    let outage: Promise<void> | undefined
    const failures = await appendAll(log, 400, (i) => {
      if (i === 150) outage = server.kill().then(async () => await server.restart())
    })
    await outage
    await seen.waitFor(400)
    expect(seen.entries.map((e) => e.data)).toEqual(expected(400))
    expect(seen.entries.map((e) => e.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
    expect(seen.resets).toEqual([])
    expect(seen.errors.length).toBeGreaterThan(0) // it did notice the outage
    expect(failures).toBeGreaterThan(0)
    expect(await log.epoch()).toBe(epoch)
  })

  it('resumes after Redis was frozen (SIGSTOP) past its read timeout, with nothing lost or doubled', async () => {
    const server = await redisForTest()
    const writer = await linkForTest(server.url, { commandTimeoutMs: 300 })
    const log = new StreamLog(writer, 'room')
    const seen = collector()
    closeAfter(await log.tail('end', seen.handler, { blockMs: 200 }))
    let outage: Promise<void> | undefined
    await appendAll(log, 200, (i) => {
      if (i !== 80) return
      server.pause()
      // frozen until the reader has given up on its blocking read (timeout, socket dropped)
      outage = waitUntil(() => seen.states.includes('down'), 'the reader to notice', 15_000).then(() => {}).finally(() => server.resume())
    })
    await outage
    await seen.waitFor(200)
    expect(seen.entries.map((e) => e.data)).toEqual(expected(200))
    expect(seen.resets).toEqual([])
  })

  it('says "history reset" when Redis comes back without its data, then delivers the new log from its start', async () => {
    const server = await redisForTest({ appendonly: false })
    const writer = await linkForTest(server.url)
    const log = new StreamLog(writer, 'room')
    const seen = collector()
    closeAfter(await log.tail('end', seen.handler, { blockMs: 1000 }))
    await log.append('before')
    await seen.waitFor(1)
    const before = await log.epoch()
    await server.kill()
    await server.restart()
    await writer.waitReady(15_000)
    await waitUntil(() => seen.resets.length === 1, 'the reset')
    const after = await log.append('after')
    await seen.waitFor(2)
    expect(after.seq).toBe(1)
    expect(seen.resets[0]).toMatchObject({ previous: before, epoch: after.epoch, reason: 'recreated' })
    expect(seen.entries.map((e) => `${e.seq}:${e.data}`)).toEqual(['1:before', '1:after'])
  })

  it('when Redis lost entries already delivered (an unsynced AOF), every reader reports one rewind to the same new epoch', async () => {
    const server = await redisForTest()
    const writer = await linkForTest(server.url)
    const log = new StreamLog(writer, 'room')
    const r1 = collector()
    const r2 = collector()
    closeAfter(await log.tail('end', r1.handler))
    closeAfter(await log.tail('end', r2.handler))
    for (let i = 1; i <= 10; i++) await log.append(`m${i}`)
    await r1.waitFor(10)
    await r2.waitFor(10)
    const before = await log.epoch()
    // What a crash with appendfsync everysec can leave: the last three entries and their seqs gone.
    const all = await log.range('0-0', 10)
    await writer.redis.xdel(log.streamKey, ...all.slice(7).map((e) => e.id))
    await writer.redis.hset(log.metaKey, 'seq', 7)
    const next = await log.append('new-8')
    expect(next.seq).toBe(8)
    await r1.waitFor(11)
    await r2.waitFor(11)
    for (const r of [r1, r2]) {
      expect(r.resets).toHaveLength(1)
      expect(r.resets[0]).toMatchObject({ previous: before, reason: 'rewound', position: { seq: 7, id: all[6]!.id } })
      expect(r.entries.at(-1)).toMatchObject({ seq: 8, data: 'new-8' })
    }
    expect(r1.resets[0]!.epoch).toBe(r2.resets[0]!.epoch)
    expect(await log.epoch()).toBe(r1.resets[0]!.epoch)
  })
})
