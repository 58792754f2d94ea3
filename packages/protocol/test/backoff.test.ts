import { describe, expect, it } from 'vitest'
import { Backoff, ErrorCodes } from '../src/index.js'

describe('Backoff', () => {
  it('grows by the factor and stops at the cap (no jitter)', () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0 })
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([100, 200, 400, 800, 1000, 1000, 1000])
    expect(b.attempt).toBe(7)
  })

  it('reset() starts over', () => {
    const b = new Backoff({ initialDelayMs: 50, factor: 3, jitter: 0 })
    b.next(); b.next()
    b.reset()
    expect(b.next()).toBe(50)
  })

  it('jitter stays within [d·(1−j), d]', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const b = new Backoff({ initialDelayMs: 1000, maxDelayMs: 8000, factor: 2, jitter: 0.5, random: () => r })
      for (let i = 0; i < 6; i++) {
        const ceiling = Math.min(8000, 1000 * 2 ** i)
        const d = b.next()
        expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.5))
        expect(d).toBeLessThanOrEqual(ceiling)
      }
    }
  })

  it('random jitter spreads clients: 1,000 draws cover the range and never pass the cap', () => {
    const draws = Array.from({ length: 1000 }, () => new Backoff({ initialDelayMs: 1000, jitter: 0.5 }).next())
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(500)
    expect(Math.max(...draws)).toBeLessThanOrEqual(1000)
    expect(new Set(draws).size).toBeGreaterThan(100)
  })

  it("full jitter draws from [0, d] and still respects the cap", () => {
    const low = new Backoff({ initialDelayMs: 100, maxDelayMs: 300, jitter: 'full', random: () => 0 })
    const high = new Backoff({ initialDelayMs: 100, maxDelayMs: 300, jitter: 'full', random: () => 0.9999 })
    expect([low.next(), low.next(), low.next()]).toEqual([0, 0, 0])
    expect([high.next(), high.next(), high.next(), high.next()]).toEqual([100, 200, 300, 300])
  })

  it('does not overflow after many attempts', () => {
    const b = new Backoff({ initialDelayMs: 10, maxDelayMs: 5000, jitter: 0 })
    for (let i = 0; i < 5000; i++) b.next()
    expect(b.next()).toBe(5000)
  })

  it('rejects nonsense options with ERR_INVALID_OPTION', () => {
    expect(() => new Backoff({ factor: 0.5 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }))
    expect(() => new Backoff({ jitter: 2 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }))
    expect(() => new Backoff({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }))
    expect(() => new Backoff({ initialDelayMs: Number.NaN })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }))
  })
})
