import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_DATE_MS, checkEventTime } from '../src/client/event-time.js'

describe('checkEventTime (door-client input validation)', () => {
  it('accepts epoch ms within the Date range, fractions and pre-1970 included', () => {
    expect(checkEventTime(1_732_240_000_000)).toEqual({ ok: true, at: 1_732_240_000_000 })
    expect(checkEventTime(0)).toEqual({ ok: true, at: 0 })
    expect(checkEventTime(-1000)).toEqual({ ok: true, at: -1000 })
    expect(checkEventTime(1.5)).toEqual({ ok: true, at: 1.5 })
    expect(checkEventTime(MAX_DATE_MS)).toEqual({ ok: true, at: MAX_DATE_MS })
    expect(checkEventTime(-MAX_DATE_MS)).toEqual({ ok: true, at: -MAX_DATE_MS })
  })

  it('refuses what a hostile server sent (the issue\'s frames), with a reason', () => {
    for (const bad of [1e300, 9e15, -9e15, MAX_DATE_MS + 1, Infinity, -Infinity, NaN]) {
      const result = checkEventTime(bad)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.reason).toMatch(/outside the Date range/)
    }
    expect(checkEventTime('2024-01-01')).toEqual({ ok: false, reason: 'timestamp must be a number of epoch ms, got the string "2024-01-01"' })
    expect(checkEventTime(undefined)).toEqual({ ok: false, reason: 'timestamp must be a number of epoch ms, got nothing' })
    expect(checkEventTime(null)).toMatchObject({ ok: false })
    expect(checkEventTime([1])).toMatchObject({ ok: false, reason: expect.stringMatching(/an array$/) })
    expect(checkEventTime(10n)).toMatchObject({ ok: false, reason: expect.stringMatching(/a bigint$/) })
  })

  it('never calls into a hostile object', () => {
    const hostile = { toString: () => { throw new Error('toString called') }, valueOf: () => { throw new Error('valueOf called') } }
    expect(checkEventTime(hostile)).toMatchObject({ ok: false })
    expect(checkEventTime({ toString: 1 })).toMatchObject({ ok: false })
    expect(checkEventTime(Object.create(null))).toMatchObject({ ok: false })
  })

  it('never throws for any JSON value, and whatever it accepts is safe to format as a date', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.double(), fc.anything()), (value) => {
      const result = checkEventTime(value)
      if (result.ok) {
        expect(typeof value).toBe('number')
        expect(() => new Date(result.at).toISOString()).not.toThrow()
      } else {
        expect(typeof result.reason).toBe('string')
      }
    }), { numRuns: 2000 })
  })

  it('accepts exactly the numbers Date can format', () => {
    fc.assert(fc.property(fc.double(), (value) => {
      let formattable = true
      try { new Date(value).toISOString() } catch { formattable = false }
      expect(checkEventTime(value).ok).toBe(formattable)
    }), { numRuns: 2000 })
  })
})
