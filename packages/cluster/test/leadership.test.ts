import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { Leadership } from '../src/leadership.js'
import { linkForTest, redisAvailable, redisForTest } from './helpers.js'

describe.skipIf(!redisAvailable)('Leadership', () => {
  it('gives the job to exactly one of three instances, and to another once the leader stops', async () => {
    const server = await redisForTest()
    const all = await Promise.all([1, 2, 3].map(async () => new Leadership(await linkForTest(server.url), 'mqtt', { ttlMs: 300, refreshMs: 50 })))
    for (const l of all) l.start()
    const someone = () => all.filter((l) => l.leader)
    while (someone().length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    // Several refresh periods later there is still exactly one.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60))
      expect(someone()).toHaveLength(1)
    }
    const first = someone()[0] as Leadership
    await first.stop()
    const rest = all.filter((l) => l !== first)
    await Promise.race(rest.map(async (l) => await once(l, 'change')))
    while (someone().length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(someone()).toHaveLength(1)
    expect(someone()[0]).not.toBe(first)
    for (const l of rest) await l.stop()
  })

  it('a leader that cannot reach Redis steps down', async () => {
    const server = await redisForTest()
    const l = new Leadership(await linkForTest(server.url), 'mqtt', { ttlMs: 300, refreshMs: 50 })
    l.start()
    while (!l.leader) await new Promise((resolve) => setTimeout(resolve, 10))
    const stepped = once(l, 'change')
    await server.kill()
    expect(await stepped).toEqual([false])
    await l.stop()
  })
})
