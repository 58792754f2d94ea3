import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { LineClient } from '@eventwire/testkit'
import { describeStatus, knownStatusCodes, replyFor } from '../src/index.js'
import { RequestFramer } from '../src/request-framer.js'
import { collectUntilClose, onCleanup, rawConnect, startStatusServer } from './helpers.js'

const KNOWN = new Set(knownStatusCodes().map(String))
/** Longer than any reply: the longest description, or an error echoing 40 JSON-escaped characters. */
const MAX_REPLY_CHARS = 400

/** Strings people and programs actually send, and anything at all. */
const requestLine = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('0', '4', '9', ' ', '\t', '\r', '\n', 'a', '\u00e9', '\ufffd') }),
  fc.tuple(fc.constantFrom(...KNOWN, '999', '000'), fc.constantFrom('', ' ', '\t', '  '), fc.constantFrom('', ' ', '\t')).map(([code, before, after]) => before + code + after),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('utf8'))
)

describe('replyFor(line), for any string', () => {
  it('never throws and returns exactly one short line', () => {
    fc.assert(fc.property(requestLine, (line) => {
      const reply = replyFor(line)
      expect(reply.endsWith('\n')).toBe(true)
      expect(reply.indexOf('\n')).toBe(reply.length - 1)
      expect(reply.includes('\r')).toBe(false)
      expect(reply.length).toBeLessThanOrEqual(MAX_REPLY_CHARS)
    }), { numRuns: 2000 })
  })

  it('starts "Code NNN: " exactly when the line is a known code NNN (spaces and tabs around forgiven), else "Error: "', () => {
    fc.assert(fc.property(requestLine, (line) => {
      const reply = replyFor(line)
      const code = line.replace(/^[ \t]+|[ \t]+$/g, '')
      if (KNOWN.has(code)) expect(reply.startsWith(`Code ${code}: `)).toBe(true)
      else expect(reply.startsWith('Error: ')).toBe(true)
    }), { numRuns: 2000 })
  })
})

/** What a client does: send some bytes, or go quiet for longer than quietReplyMs. */
type Step = { pause: true } | { bytes: Uint8Array }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ pause: true as const }) },
  // The pieces the rule is about: three digits, parts of them, line ends alone, an empty chunk (all Telnet commands).
  { weight: 3, arbitrary: fc.constantFrom('404', '200', '4', '04', '500\n', '\r', '\n', '\r\n', '', 'x', ' 404').map((t) => ({ bytes: Buffer.from(t, 'latin1') })) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(0x34, 0x30, 0x32, 0x0d, 0x0a, 0x61, 0x20), { maxLength: 8 }).map((b) => ({ bytes: Uint8Array.from(b) })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((bytes) => ({ bytes })) }
)

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39
const text = (bytes: number[]): string => {
  const line = Buffer.from(bytes).toString('utf8')
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

/**
 * The README's rule, byte by byte: a line ends at `\n`; at a pause, an
 * unfinished line of exactly three digits is a request, and then a `\r`, a
 * `\n` or `\r\n` coming next only closes it.
 */
function modelRequests (steps: Step[]): { lines: string[], early: number } {
  const lines: string[] = []
  let early = 0
  let pending: number[] = []
  let after: 'normal' | 'answered' | 'sawCr' = 'normal'
  for (const s of steps) {
    if ('pause' in s) {
      if (pending.length === 3 && pending.every(isDigit)) {
        lines.push(text(pending))
        early++
        pending = []
        after = 'answered'
      }
      continue
    }
    for (const b of s.bytes) {
      if (after === 'answered') {
        after = b === 0x0d ? 'sawCr' : 'normal'
        if (b === 0x0d || b === 0x0a) continue
      } else if (after === 'sawCr') {
        after = 'normal'
        if (b === 0x0a) continue
      }
      if (b === 0x0a) {
        lines.push(text(pending))
        pending = []
      } else {
        pending.push(b)
      }
    }
  }
  return { lines, early }
}

describe('RequestFramer (line splitting and the early answer), for any bytes and pauses', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] }) })
  afterEach(() => { vi.useRealTimers() })

  const run = (steps: Step[], quietReplyMs: number): { lines: string[], quiet: number } => {
    const lines: string[] = []
    let quiet = 0
    const framer = new RequestFramer({
      maxLineBytes: 1024,
      quietReplyMs,
      onLine: (line) => lines.push(line),
      onTooLong: () => { throw new Error('no line here is too long') },
      onQuietLine: () => { quiet++ }
    })
    for (const s of steps) {
      if ('pause' in s) vi.runAllTimers()
      else framer.push(Buffer.from(s.bytes))
    }
    framer.stop()
    expect(vi.getTimerCount()).toBe(0)
    return { lines, quiet }
  }

  it('delivers exactly the requests of the README rule, in order, and leaves no timer behind', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const { lines, quiet } = run(steps, 100)
      const model = modelRequests(steps)
      expect(lines).toEqual(model.lines)
      // Each early answer is flushed at once: one onQuietLine per pause that found three digits.
      expect(quiet).toBe(model.early)
    }), { numRuns: 1000 })
  })

  it('with quietReplyMs 0, pauses change nothing: requests are the lines, however the bytes are cut', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const { lines, quiet } = run(steps, 0)
      expect(quiet).toBe(0)
      expect(lines).toEqual(modelRequests(steps.filter((s) => !('pause' in s))).lines)
    }), { numRuns: 500 })
  })
})

describe('the server, for any bytes a client sends', () => {
  // No 0xFF (Telnet's IAC, a command, not a request byte); quietReplyMs 0 so only line ends end requests.
  const noIac = fc.array(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.map((x) => (x === 0xff ? 0x0a : x)))), { maxLength: 12 })

  it('answers every request line with exactly replyFor(line), in order, and nothing else', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 0 })
    await fc.assert(fc.asyncProperty(noIac, async (chunks) => {
      const socket = await rawConnect(port)
      const received = collectUntilClose(socket)
      for (const chunk of chunks) socket.write(chunk)
      socket.end()
      const all = Buffer.concat(chunks)
      const lines: Buffer[] = []
      let from = 0
      for (let lf = all.indexOf(0x0a); lf !== -1; lf = all.indexOf(0x0a, from)) {
        lines.push(all.subarray(from, lf))
        from = lf + 1
      }
      if (from < all.length) lines.push(all.subarray(from)) // half-closed: the unterminated last line too
      const expected = lines.map((line) => replyFor(line.toString('utf8').replace(/\r$/, ''))).join('')
      expect(await received).toBe(expected)
    }), { numRuns: 60 })
  })

  it('stays up for anything, Telnet commands included, and goes on serving others', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 0 })
    const bystander = await LineClient.connect(port)
    onCleanup(() => bystander.socket.destroy())
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), async (chunks) => {
      const socket = await rawConnect(port)
      const received = collectUntilClose(socket)
      for (const chunk of chunks) socket.write(chunk)
      socket.end()
      await received // the server ended this connection: it did not hang or die
      bystander.send('404')
      expect(await bystander.next()).toBe(describeStatus(404))
    }), { numRuns: 60 })
  })
})
