import { describe, expect, it, onTestFinished } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { Claims } from '../src/claims.js'
import type { RedisLink } from '../src/connection.js'
import { Leases, type Reaped } from '../src/leases.js'
import { linkForTest, redisAvailable, redisForTest } from './helpers.js'

interface Member { nick: string }

function instance (link: RedisLink, id: string, options: { ttlMs?: number, refreshMs?: number, onLost?: () => void } = {}): { leases: Leases<Member>, claims: Claims<Member> } {
  const claims = new Claims<Member>(link, { instanceId: id })
  const leases = new Leases<Member>(link, { group: 'chat', instanceId: id, ttlMs: options.ttlMs ?? 60_000, refreshMs: options.refreshMs ?? 20_000, claims, onLost: options.onLost })
  onTestFinished(async () => { await leases.stop({ release: false }) }) // its timer, even when an assertion failed
  return { leases, claims }
}

describe.skipIf(!redisAvailable)('Leases', () => {
  it('an expired instance is reaped by exactly one of two racing survivors, with what it owned', async () => {
    const server = await redisForTest()
    const a = instance(await linkForTest(server.url), 'A')
    const b = instance(await linkForTest(server.url), 'B')
    await a.leases.start()
    await b.leases.start()
    const dead: string[] = []
    for (let i = 0; i < 20; i++) {
      const d = instance(a.leases.link, `dead${i}`, { ttlMs: 50, refreshMs: 25 })
      await d.leases.renew() // registered once, then it "crashes": never renewed again
      await d.claims.claim(`nick${i}`, `member${i}`, { nick: `nick${i}` })
      dead.push(`dead${i}`)
    }
    await waitUntil(async () => (await a.leases.alive()).length === 2, 'the dead leases to expire')
    const fromA: Array<Reaped<Member>> = []
    const fromB: Array<Reaped<Member>> = []
    await Promise.all([a.leases.reapExpired((r) => { fromA.push(r) }), b.leases.reapExpired((r) => { fromB.push(r) })])
    const all = [...fromA, ...fromB].map((r) => r.instanceId).sort()
    expect(all).toEqual([...dead].sort())
    for (const r of [...fromA, ...fromB]) {
      const i = r.instanceId.slice(4)
      expect(r.owned).toEqual([{ owner: `member${i}`, key: `nick${i}`, value: { nick: `nick${i}` } }])
    }
    expect(await a.leases.reapExpired()).toEqual([])
    expect((await a.claims.members()).size).toBe(0)
    expect((await a.claims.claim('nick0', 'newcomer', { nick: 'nick0' })).ok).toBe(true)
    await a.leases.stop()
    await b.leases.stop()
  })

  it('a live instance renewing on its timer is never reaped', async () => {
    const server = await redisForTest()
    const a = instance(await linkForTest(server.url), 'A', { ttlMs: 1000, refreshMs: 50 })
    const b = instance(await linkForTest(server.url), 'B')
    await a.claims.claim('alice', 'm1', { nick: 'alice' })
    await a.leases.start()
    // several full lease periods pass, with a reaper running all along
    await waitUntil(async () => { await b.leases.reapExpired(); return a.leases.renewals >= 40 }, '40 renewals', 15_000)
    expect(await b.leases.reapExpired()).toEqual([])
    expect((await b.claims.lookup('alice'))?.owner).toBe('m1')
    expect(await a.leases.stop()).toEqual([{ owner: 'm1', key: 'alice', value: { nick: 'alice' } }])
    expect(await b.leases.alive()).toEqual([])
  })

  it('an instance that was reaped while frozen learns it on its next renewal', async () => {
    const server = await redisForTest()
    let lost = 0
    const a = instance(await linkForTest(server.url), 'A', { ttlMs: 50, refreshMs: 25, onLost: () => { lost++ } })
    const b = instance(await linkForTest(server.url), 'B')
    await a.leases.renew()
    await a.claims.claim('alice', 'm1', { nick: 'alice' })
    await waitUntil(async () => (await b.leases.reapExpired()).length === 1, 'A reaped')
    expect(await a.leases.renew()).toBe('restored')
    expect(lost).toBe(1)
    expect(await a.leases.renew()).toBe('renewed')
    expect(await b.claims.lookup('alice')).toBeNull()
    await a.leases.stop()
  })
})
