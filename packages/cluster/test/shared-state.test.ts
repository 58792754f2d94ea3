import { describe, expect, it } from 'vitest'
import { SharedState } from '../src/shared-state.js'
import { linkForTest, redisAvailable, redisForTest, rejection } from './helpers.js'

describe.skipIf(!redisAvailable)('SharedState', () => {
  it('keeps the newest value only, whichever instance writes last', async () => {
    const server = await redisForTest()
    const a = new SharedState<string>(await linkForTest(server.url), 'door')
    const b = new SharedState<string>(await linkForTest(server.url), 'door')
    expect(await a.get('current')).toBeNull()
    expect(await a.setIfNewer('current', 'open', 1000)).toBe(true)
    expect(await b.setIfNewer('current', 'close', 900)).toBe(false) // a late write from a slow instance
    expect(await b.setIfNewer('current', 'open', 1000)).toBe(false)
    expect(await b.get('current')).toEqual({ value: 'open', ts: 1000 })
    expect(await b.setIfNewer('current', 'close', 1001)).toBe(true)
    expect(await a.get('current')).toEqual({ value: 'close', ts: 1001 })
    expect((await rejection(a.setIfNewer('current', 'x', Number.NaN))).code).toBe('CLUSTER_BAD_ARGUMENT')
  })

  it('once() is true for exactly one of many racing instances until cleared', async () => {
    const server = await redisForTest()
    const states = await Promise.all([1, 2, 3, 4].map(async () => new SharedState(await linkForTest(server.url), 'door')))
    for (let round = 0; round < 20; round++) {
      const wins = await Promise.all(states.map(async (s) => await s.once(`offline:${round}`, 60_000)))
      expect(wins.filter(Boolean)).toHaveLength(1)
    }
    await states[0]!.clearOnce('offline:0')
    expect(await states[1]!.once('offline:0', 60_000)).toBe(true)
  })
})
