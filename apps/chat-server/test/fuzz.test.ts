import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkNick, MAX_NICK_LENGTH, nickKey, sanitizeText } from '../src/index.js'
import { parseLine } from '../src/core/commands.js'
import { decodeClientMessage } from '../src/web/client-message.js'

// Property tests for every decoder of untrusted chat input: whatever arrives,
// they return a well-formed result and never throw (a throw in a socket
// callback once stopped the whole server).

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'toJSON', 'hasOwnProperty', 'type', 'text', 'nick', 'to']
const hostileKey = fc.constantFrom(...HOSTILE_KEYS)
/** Values with hostile toString/valueOf, as JSON can spell them: {"toString":1}, [{"valueOf":null}]. */
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 3 })
  )
})).value
const TYPES = ['message', 'action', 'nick', 'who', 'msg', 'quit', 'help', '__proto__', 'constructor', 'toString']
/** A frame shaped like a request, with any field swapped for something hostile. */
const requestLike = fc.record({
  type: fc.oneof(fc.constantFrom(...TYPES), hostileValue),
  text: hostileValue,
  nick: hostileValue,
  to: hostileValue,
  page: fc.oneof(hostileValue, fc.integer())
}, { requiredKeys: [] })

/** Serialised where JSON can say it: fc.anything() holds values JSON.stringify refuses (BigInt) or drops. */
function serialise (value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

/** JSON text with keys JSON.parse turns into own properties named __proto__, constructor, prototype. */
const pollutingText = fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...TYPES))
  .map(([key, value, type]) => `{"${key}":${JSON.stringify(value) ?? 'null'},"type":"${type}","${key}":{"type":"message","text":"x","toString":1}}`)

const REQUEST_TYPES = new Set(['message', 'action', 'nick', 'who', 'msg', 'quit', 'help'])

function expectWellFormedDecode (frame: string): void {
  const decoded = decodeClientMessage(frame)
  if (!decoded.ok) {
    expect(typeof decoded.text).toBe('string')
    expect(decoded.text.length).toBeLessThan(200)
    return
  }
  const r = decoded.request as Record<string, unknown>
  expect(REQUEST_TYPES.has(r.type as string)).toBe(true)
  for (const [key, value] of Object.entries(r)) {
    expect(['type', 'text', 'nick', 'to', 'page']).toContain(key)
    // A who page is the one number a request carries: a whole number from 1.
    if (key === 'page') expect(r.type === 'who' && Number.isSafeInteger(value) && (value as number) >= 1).toBe(true)
    else expect(typeof value).toBe('string')
  }
  expect(Object.getPrototypeOf(r)).toBe(Object.prototype)
}

const texts = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', 'I', 'l', '0', '/', ' ', '\u200b', '\u200d', '\u200c', '\u034f', '\u202e', '\u2028', '\x1b', '\t', 'а', 'ɑ', 'ａ', '\ufe0f', '👩', '🏽'), maxLength: 30 }),
  fc.constantFrom(...HOSTILE_KEYS, '/nick __proto__', '/msg constructor hi', '/__proto__', '/toString x', '/msg', '//')
)

describe('decodeClientMessage never throws and returns a well-formed result', () => {
  it('the three frames that stopped the server', () => {
    for (const frame of ['{"type":{"toString":1}}', '{"type":{"toString":null}}', '{"type":[{"toString":1}]}']) {
      expect(decodeClientMessage(frame)).toEqual({ ok: false, text: expect.stringMatching(/^unknown type a/) })
    }
  })

  it('over arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => { expectWellFormedDecode(JSON.stringify(value)) }), { numRuns: 500 })
  })

  it('over fc.anything(), serialised where possible, and raw strings', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      const text = serialise(value)
      if (text !== undefined) expectWellFormedDecode(text)
    }), { numRuns: 500 })
    fc.assert(fc.property(fc.string({ unit: 'binary' }), expectWellFormedDecode), { numRuns: 300 })
  })

  it('over request-shaped objects with hostile toString/valueOf and prototype keys', () => {
    fc.assert(fc.property(requestLike, (value) => { expectWellFormedDecode(JSON.stringify(value)) }), { numRuns: 1000 })
    fc.assert(fc.property(pollutingText, expectWellFormedDecode), { numRuns: 300 })
    // Nothing leaked onto Object.prototype along the way.
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('type')
    expect(({} as Record<string, unknown>).text).toBeUndefined()
  })
})

// A character left after cleaning must be none of: C0/C1 controls, line
// separators, format characters other than ZWJ (between emoji) and ZWNJ.
const UNCLEAN = /[\x00-\x1f\x7f-\x9f\u2028\u2029]|(?![\u200c\u200d])\p{Cf}/u

describe('sanitizeText', () => {
  it('never throws; leaves no control or invisible format character; is idempotent and trimmed', () => {
    fc.assert(fc.property(texts, (input) => {
      const clean = sanitizeText(input)
      expect(typeof clean).toBe('string')
      expect(UNCLEAN.test(clean)).toBe(false)
      expect(clean).toBe(clean.trim())
      expect(sanitizeText(clean)).toBe(clean)
    }), { numRuns: 2000 })
  })
})

describe('parseLine', () => {
  it('never throws; a command line becomes a known request or a usage error', () => {
    const lines = fc.oneof(texts, fc.tuple(fc.constantFrom('/', '//', '/ '), fc.constantFrom(...HOSTILE_KEYS, 'nick', 'msg', 'me', 'quit', 'NICK'), texts).map(([a, b, c]) => `${a}${b} ${c}`))
    fc.assert(fc.property(lines, (line) => {
      const parsed = parseLine(sanitizeText(line))
      if (parsed.ok) {
        expect(REQUEST_TYPES.has(parsed.request.type)).toBe(true)
        for (const value of Object.values(parsed.request)) expect(typeof value).toBe('string')
      } else {
        expect(typeof parsed.text).toBe('string')
        expect(['UNKNOWN_COMMAND', 'BAD_COMMAND']).toContain(parsed.code)
      }
    }), { numRuns: 2000 })
  })
})

describe('checkNick and nickKey', () => {
  it('never throw; an accepted nick is 1-24 visible characters, no invisible ones', () => {
    fc.assert(fc.property(texts, (input) => {
      const check = checkNick(input)
      if (check.ok) {
        expect([...check.nick].length).toBeGreaterThan(0)
        expect([...check.nick].length).toBeLessThanOrEqual(MAX_NICK_LENGTH)
        expect(/^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u.test(check.nick)).toBe(true)
        expect(/\p{Default_Ignorable_Code_Point}/u.test(check.nick)).toBe(false)
      } else {
        expect(check.reason).toMatch(/^a nickname /)
      }
    }), { numRuns: 2000 })
  })

  it('nickKey is a string, stable under itself, and blind to case', () => {
    fc.assert(fc.property(texts, (input) => {
      const key = nickKey(input)
      expect(typeof key).toBe('string')
      expect(nickKey(key)).toBe(key)
      expect(nickKey(input.toUpperCase())).toBe(nickKey(input.toLowerCase()))
    }), { numRuns: 2000 })
  })
})
