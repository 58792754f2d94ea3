import { describe, expect, it } from 'vitest'
import { guard } from '../src/index.js'

describe('guard', () => {
  it('passes arguments through and reports what the handler throws instead of throwing', () => {
    const seen: unknown[] = []
    const errors: unknown[] = []
    const handler = guard((a: number, b: string) => {
      seen.push([a, b])
      if (a < 0) throw new TypeError('negative')
    }, (err) => errors.push(err))
    handler(1, 'x')
    expect(() => handler(-1, 'y')).not.toThrow()
    expect(seen).toEqual([[1, 'x'], [-1, 'y']])
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toBe('negative')
  })

  it('survives a reporter that throws too', () => {
    const handler = guard(() => { throw new Error('a') }, () => { throw new Error('b') })
    expect(() => handler()).not.toThrow()
  })
})
