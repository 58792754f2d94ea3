import { describe, expect, it } from 'vitest'
import { Claims } from '../src/claims.js'
import { StreamLog } from '../src/stream-log.js'
import { linkForTest, redisAvailable, redisForTest, rejection } from './helpers.js'

interface Member { nick: string, instance: string, transport: string }

describe.skipIf(!redisAvailable)('Claims', () => {
  it('lets exactly one of two racing claimers on two connections win, every time', async () => {
    const server = await redisForTest()
    const a = new Claims<Member>(await linkForTest(server.url), { instanceId: 'A' })
    const b = new Claims<Member>(await linkForTest(server.url), { instanceId: 'B' })
    for (let round = 0; round < 100; round++) {
      const key = `nick${round}`
      const [ra, rb] = await Promise.all([
        a.claim(key, `a-${round}`, { nick: key, instance: 'A', transport: 'tcp' }),
        b.claim(key, `b-${round}`, { nick: key, instance: 'B', transport: 'ws' })
      ])
      expect([ra.ok, rb.ok].filter(Boolean)).toHaveLength(1)
      const loser = ra.ok ? rb : ra
      const winner = ra.ok ? `a-${round}` : `b-${round}`
      expect(loser).toEqual({ ok: false, reason: 'taken', holder: winner })
      expect((await a.lookup(key))?.owner).toBe(winner)
    }
    expect((await a.members()).size).toBe(100)
  })

  it('renames atomically: of two racing renames to one key one wins, the loser keeps its old key', async () => {
    const server = await redisForTest()
    const a = new Claims<Member>(await linkForTest(server.url), { instanceId: 'A' })
    const b = new Claims<Member>(await linkForTest(server.url), { instanceId: 'B' })
    expect((await a.claim('alice', 'm1', { nick: 'alice', instance: 'A', transport: 'tcp' })).ok).toBe(true)
    expect((await b.claim('bob', 'm2', { nick: 'bob', instance: 'B', transport: 'ws' })).ok).toBe(true)
    const [r1, r2] = await Promise.all([
      a.rename('alice', 'carol', 'm1', { nick: 'carol', instance: 'A', transport: 'tcp' }),
      b.rename('bob', 'carol', 'm2', { nick: 'carol', instance: 'B', transport: 'ws' })
    ])
    expect([r1.ok, r2.ok].filter(Boolean)).toHaveLength(1)
    const holders = Object.fromEntries([...await a.members()].map(([owner, v]) => [v.nick, owner]))
    expect(Object.keys(holders).sort()).toEqual(r1.ok ? ['bob', 'carol'] : ['alice', 'carol'])
    expect((await a.lookup('carol'))?.owner).toBe(r1.ok ? 'm1' : 'm2')
    expect(await a.lookup(r1.ok ? 'alice' : 'bob')).toBeNull()
    // renaming a key you do not hold is refused; a case change of your own key is allowed
    expect(await a.rename('bob', 'dave', 'm1')).toMatchObject({ ok: false, reason: 'refused' })
    const own = r1.ok ? 'carol' : 'alice'
    expect((await a.rename(own, own, 'm1', { nick: own.toUpperCase(), instance: 'A', transport: 'tcp' })).ok).toBe(true)
    expect((await a.lookup(own))?.value?.nick).toBe(own.toUpperCase())
  })

  it('releases only for the holder, refuses a second key per owner, and releases all of one instance', async () => {
    const server = await redisForTest()
    const link = await linkForTest(server.url)
    const a = new Claims<Member>(link, { instanceId: 'A' })
    const b = new Claims<Member>(link, { instanceId: 'B' })
    await a.claim('alice', 'm1', { nick: 'alice', instance: 'A', transport: 'tcp' })
    await a.claim('amy', 'm3', { nick: 'amy', instance: 'A', transport: 'irc' })
    await b.claim('bob', 'm2', { nick: 'bob', instance: 'B', transport: 'ws' })
    expect(await a.claim('alice', 'm1', { nick: 'alice', instance: 'A', transport: 'tcp' })).toEqual({ ok: true })
    expect(await a.claim('other', 'm1', { nick: 'other', instance: 'A', transport: 'tcp' })).toEqual({ ok: false, reason: 'refused', key: 'alice' })
    expect(await b.release('alice', 'm2')).toBe(false)
    expect(await b.release('bob', 'm2')).toBe(true)
    expect(await b.lookup('bob')).toBeNull()
    const owned = await b.releaseAllOf('A')
    expect(owned.sort((x, y) => x.owner.localeCompare(y.owner))).toEqual([
      { owner: 'm1', key: 'alice', value: { nick: 'alice', instance: 'A', transport: 'tcp' } },
      { owner: 'm3', key: 'amy', value: { nick: 'amy', instance: 'A', transport: 'irc' } }
    ])
    expect((await a.members()).size).toBe(0)
    expect((await a.claim('alice', 'm9', { nick: 'alice', instance: 'A', transport: 'tcp' })).ok).toBe(true)
    expect((await rejection(a.claim('', 'm1', { nick: '', instance: 'A', transport: 'tcp' }))).code).toBe('CLUSTER_BAD_ARGUMENT')
  })

  it('reads the member list in the same atomic step as history and resume position', async () => {
    const server = await redisForTest()
    const link = await linkForTest(server.url)
    const claims = new Claims<Member>(link, { instanceId: 'A' })
    const log = new StreamLog(link, 'room')
    await claims.claim('alice', 'm1', { nick: 'alice', instance: 'A', transport: 'tcp' })
    await log.append('{"join":"alice"}')
    const snap = await log.last(10, { hashKey: claims.valuesKey })
    expect([...claims.parseMembers(snap.hash)]).toEqual([['m1', { nick: 'alice', instance: 'A', transport: 'tcp' }]])
    expect(snap.position.seq).toBe(1)
  })
})
