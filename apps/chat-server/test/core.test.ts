import { describe, expect, it } from 'vitest'
import { checkNick, nickKey, RateLimiter, sanitizeText, formatLine, Member } from '../src/index.js'
import { parseLine } from '../src/core/commands.js'
import { History } from '../src/core/history.js'

describe('sanitizeText', () => {
  it('removes CSI, OSC, two-byte and 8-bit escapes and control characters', () => {
    expect(sanitizeText('\x1b[2J\x1b[1;1Hhi')).toBe('hi')
    expect(sanitizeText('a\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c')).toBe('abc')
    expect(sanitizeText('a\x1bcb\x1b(Bc')).toBe('abc')
    expect(sanitizeText('a\x9b31mb')).toBe('ab')
    expect(sanitizeText('a\x00b\x7fc\rd\x08e')).toBe('abcde')
    expect(sanitizeText('tab\there')).toBe('tab here')
    expect(sanitizeText('abc\u202edcba')).toBe('abcdcba')
    // An unterminated OSC eats the rest of the line rather than leaking into a terminal.
    expect(sanitizeText('ok\x1b]0;never ends')).toBe('ok')
    expect(sanitizeText('  plain émoji 🎉  ')).toBe('plain émoji 🎉')
  })
})

describe('nicknames', () => {
  it('accepts 1-24 visible characters and refuses spaces and invisible ones', () => {
    expect(checkNick('alice')).toEqual({ ok: true, nick: 'alice' })
    expect(checkNick('Zoë_42')).toEqual({ ok: true, nick: 'Zoë_42' })
    expect(checkNick('😀'.repeat(24))).toEqual({ ok: true, nick: '😀'.repeat(24) })
    expect(checkNick('x'.repeat(25)).ok).toBe(false)
    expect(checkNick('a b').ok).toBe(false)
    expect(checkNick('al\u200bice').ok).toBe(false)
    expect(checkNick('\x1b[31m').ok).toBe(false)
  })

  it('compares case-insensitively and folds full-width forms', () => {
    expect(nickKey('ALICE')).toBe(nickKey('alice'))
    expect(nickKey('ａｌｉｃｅ')).toBe(nickKey('alice'))
  })
})

describe('parseLine', () => {
  it('parses commands and leaves other lines as messages', () => {
    expect(parseLine('hello')).toEqual({ ok: true, request: { type: 'message', text: 'hello' } })
    expect(parseLine('//not a command')).toEqual({ ok: true, request: { type: 'message', text: '/not a command' } })
    expect(parseLine('/NICK bob')).toEqual({ ok: true, request: { type: 'nick', nick: 'bob' } })
    expect(parseLine('/msg bob hi  there')).toEqual({ ok: true, request: { type: 'msg', to: 'bob', text: 'hi  there' } })
    expect(parseLine('/msg bob')).toEqual({ ok: false, code: 'BAD_COMMAND', text: 'usage: /msg NAME TEXT' })
    expect(parseLine('/quit')).toEqual({ ok: true, request: { type: 'quit' } })
    expect(parseLine('/frobnicate x')).toEqual({ ok: false, code: 'UNKNOWN_COMMAND', text: 'unknown command /frobnicate; type /help for the list' })
  })
})

describe('RateLimiter', () => {
  it('allows a burst, warns once, then kicks; refills with time', () => {
    const limiter = new RateLimiter({ burst: 2, perSecond: 10 })
    const m = new Member('id', 'n', 'n', { kind: 't', echo: false, send: () => true, close: () => {} }, 2, 0)
    expect([limiter.take(m, 0), limiter.take(m, 0), limiter.take(m, 0), limiter.take(m, 0)]).toEqual(['ok', 'ok', 'warn', 'kick'])
    const m2 = new Member('id', 'n', 'n', { kind: 't', echo: false, send: () => true, close: () => {} }, 2, 0)
    expect([limiter.take(m2, 0), limiter.take(m2, 0), limiter.take(m2, 0)]).toEqual(['ok', 'ok', 'warn'])
    expect(limiter.take(m2, 100)).toBe('ok') // one token back after 100 ms, still warned
    expect(limiter.take(m2, 100)).toBe('kick')
    const m3 = new Member('id', 'n', 'n', { kind: 't', echo: false, send: () => true, close: () => {} }, 2, 0)
    expect([limiter.take(m3, 0), limiter.take(m3, 0), limiter.take(m3, 0)]).toEqual(['ok', 'ok', 'warn'])
    expect(limiter.take(m3, 200)).toBe('ok') // full again: forgiven
    expect([limiter.take(m3, 200), limiter.take(m3, 200)]).toEqual(['ok', 'warn'])
  })
})

describe('History', () => {
  it('keeps the last N, oldest first', () => {
    const h = new History(3)
    for (let i = 1; i <= 5; i++) h.push({ type: 'message', from: 'a', fromId: 'id-a', text: String(i), ts: i, seq: i })
    expect(h.toArray().map((m) => m.text)).toEqual(['3', '4', '5'])
    const none = new History(0)
    none.push({ type: 'message', from: 'a', fromId: 'id-a', text: 'x', ts: 1, seq: 1 })
    expect(none.toArray()).toEqual([])
  })
})

describe('formatLine', () => {
  it('renders every event as newline-terminated text', () => {
    expect(formatLine({ type: 'message', from: 'a', fromId: 'id-a', text: 'hi', ts: 1, seq: 1 }, 'b')).toBe('<a> hi\n')
    expect(formatLine({ type: 'leave', nick: 'a', reason: 'quit', code: 'QUIT', fromId: 'id-a', ts: 1, seq: 2 }, 'b')).toBe('* a left (quit)\n')
    expect(formatLine({ type: 'system', text: 'x\ny' }, 'b')).toBe('* x\n* y\n')
    expect(formatLine({ type: 'private', from: 'a', to: 'b', text: 'psst', ts: 1 }, 'a')).toBe('[private to b] psst\n')
    expect(formatLine({ type: 'private', from: 'a', to: 'b', text: 'psst', ts: 1 }, 'b')).toBe('[private] <a> psst\n')
  })
})
