import { describe, expect, it } from 'vitest'
import { createTokenCheck } from '../src/index.js'

describe('createTokenCheck', () => {
  const matches = createTokenCheck('s3cret-token')

  it('accepts only the exact token', () => {
    expect(matches('s3cret-token')).toBe(true)
    expect(matches('s3cret-tokeN')).toBe(false)
    expect(matches('s3cret-token ')).toBe(false)
    expect(matches('s3cret')).toBe(false)
    expect(matches('')).toBe(false)
  })

  it('refuses what is not a string without throwing', () => {
    for (const value of [undefined, null, 42, ['s3cret-token'], { toString: () => 's3cret-token' }]) expect(matches(value)).toBe(false)
  })

  it('compares by digest, so candidates of any length are safe to pass', () => {
    expect(matches('x'.repeat(100_000))).toBe(false)
  })

  it('refuses an empty secret when built', () => {
    expect(() => createTokenCheck('')).toThrow(TypeError)
  })
})
