import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { knownStatusCodes, replyFor } from '@eventwire/status-server'
import { FAILURES, failureResponse, isStatusCodeText, type FailureCode } from '../src/index.js'
import { judgeReply } from '../src/replies.js'
import { ReplyFramer } from '../src/reply-framer.js'

const KNOWN = knownStatusCodes().map(String)
const threeDigits = fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0'))

/** Reply lines of every kind: ours, foreign servers', garbage. */
const replyLine = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  threeDigits.map((code) => replyFor(code).slice(0, -1)),
  fc.tuple(threeDigits, fc.string()).map(([code, rest]) => `Code ${code}:${rest}`),
  fc.tuple(fc.constantFrom('Code ', 'Error: ', 'Error: unknown status code', ' ', ''), fc.string()).map(([a, b]) => a + b)
)

describe('judgeReply(line, code), for any line', () => {
  it('never throws; a failure is one of the table\'s codes, with a bounded message', () => {
    fc.assert(fc.property(replyLine, threeDigits, (line, code) => {
      const problem = judgeReply(line, code)
      if (problem === null) return
      expect(Object.keys(FAILURES)).toContain(problem.failure.code)
      // Our unknown-code line is passed on as it is (the link caps lines at 4 KiB); any other
      // message quotes at most 80 characters (JSON-escaped: 6 per character at worst) with our words.
      if (problem.failure.code === 'ERR_UNKNOWN_STATUS_CODE') expect(problem.failure.message).toBe(line)
      else expect(problem.failure.message.length).toBeLessThanOrEqual(80 * 6 + 200)
      expect(problem.resync).toBe(problem.failure.code === 'ERR_BAD_UPSTREAM_REPLY')
    }), { numRuns: 3000 })
  })

  it('takes a line as the answer unless it is an error, blank, or our line for another code', () => {
    fc.assert(fc.property(replyLine, threeDigits, (line, code) => {
      const problem = judgeReply(line, code)
      const otherCode = /^Code \d{3}:/.test(line) && !line.startsWith(`Code ${code}:`)
      let expected: FailureCode | null = null
      if (line.startsWith('Error: unknown status code')) expected = 'ERR_UNKNOWN_STATUS_CODE'
      else if (line.startsWith('Error: ')) expected = 'ERR_UPSTREAM_ERROR'
      else if (otherCode || line.trim() === '') expected = 'ERR_BAD_UPSTREAM_REPLY'
      expect(problem?.failure.code ?? null).toBe(expected)
    }), { numRuns: 3000 })
  })

  it('against the real status-server: the reply to a code is the answer iff the code is known, else ERR_UNKNOWN_STATUS_CODE (404)', () => {
    for (let n = 0; n <= 999; n++) {
      const code = String(n).padStart(3, '0')
      const problem = judgeReply(replyFor(code).slice(0, -1), code)
      if (KNOWN.includes(code)) expect(problem, code).toBeNull()
      else expect(problem?.failure.code, code).toBe('ERR_UNKNOWN_STATUS_CODE')
    }
  })

  it('against the real status-server: its reply for another known code is out of step, never an answer', () => {
    fc.assert(fc.property(fc.constantFrom(...KNOWN), fc.constantFrom(...KNOWN), (asked, answered) => {
      fc.pre(asked !== answered)
      const problem = judgeReply(replyFor(answered).slice(0, -1), asked)
      expect(problem?.failure.code).toBe('ERR_BAD_UPSTREAM_REPLY')
      expect(problem?.resync).toBe(true)
    }))
  })
})

describe('isStatusCodeText, the last check before the wire', () => {
  it('is true exactly for three ASCII digits, whatever the string', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), threeDigits, threeDigits.map((c) => c + '\n')), (text) => {
      expect(isStatusCodeText(text)).toBe(/^[0-9]{3}$/.test(text) && !text.includes('\n'))
    }), { numRuns: 3000 })
  })
})

describe('the failure table', () => {
  it('gives every code its status, reason phrase and Retry-After, and a failure may say when to retry', () => {
    for (const [code, entry] of Object.entries(FAILURES) as Array<[FailureCode, { statusCode: number, retryAfterSeconds?: number }]>) {
      const res = failureResponse({ code, message: 'why' })
      expect(res.statusCode).toBe(entry.statusCode)
      expect(res.body).toMatchObject({ statusCode: entry.statusCode, code, message: 'why' })
      expect(res.body.error).not.toBe('')
      expect(res.headers['retry-after']).toBe(entry.retryAfterSeconds === undefined ? undefined : String(entry.retryAfterSeconds))
    }
    expect(failureResponse({ code: 'ERR_UPSTREAM_DOWN', message: 'x', retryAfterSeconds: 7 }).headers).toEqual({ 'retry-after': '7' })
  })
})

/** What status-server's side does: send some bytes, or go quiet for longer than REPLY_QUIET_MS. */
type Step = { pause: true } | { bytes: Uint8Array }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ pause: true as const }) },
  { weight: 3, arbitrary: fc.constantFrom('404 Not Found', 'Code 200: OK', '\r', '\n', '\r\n', '', 'x').map((t) => ({ bytes: Buffer.from(t, 'latin1') })) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 12 }).map((bytes) => ({ bytes })) }
)

/**
 * The framing rule, byte by byte: a line ends at `\n` (a `\r` before it is
 * dropped); with quiet framing, a pause with an unfinished tail is a reply of
 * its own, until the server has ended a reply with `\n` once.
 */
function modelReplies (steps: Step[], quietFraming: boolean): string[] {
  const lines: string[] = []
  let pending: number[] = []
  let endsLines = false
  const text = (bytes: number[]): string => {
    const line = Buffer.from(bytes).toString('utf8')
    return line.endsWith('\r') ? line.slice(0, -1) : line
  }
  for (const s of steps) {
    if ('pause' in s) {
      if (quietFraming && !endsLines && pending.length > 0) {
        lines.push(text(pending))
        pending = []
      }
      continue
    }
    for (const b of s.bytes) {
      if (b !== 0x0a) {
        pending.push(b)
        continue
      }
      lines.push(text(pending))
      pending = []
      endsLines = true
    }
  }
  return lines
}

describe('ReplyFramer, for any bytes and pauses', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] }) })
  afterEach(() => { vi.useRealTimers() })

  const run = (steps: Step[], quietFraming: boolean): string[] => {
    const lines: string[] = []
    const framer = new ReplyFramer({
      maxLineBytes: 4096,
      quietFraming,
      waiting: () => true,
      onLine: (bytes, start, end) => lines.push(bytes.toString('utf8', start, end)),
      onTooLong: () => { throw new Error('no line here is too long') }
    })
    for (const s of steps) {
      if ('pause' in s) vi.runAllTimers()
      else framer.push(Buffer.from(s.bytes))
    }
    framer.stop()
    expect(vi.getTimerCount()).toBe(0)
    return lines
  }

  it('cuts exactly the replies of the framing rule, with quiet framing or without, and leaves no timer behind', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.boolean(), (steps, quietFraming) => {
      expect(run(steps, quietFraming)).toEqual(modelReplies(steps, quietFraming))
    }), { numRuns: 1500 })
  })

  it('never cuts a reply at a pause once the server has ended one with \\n (a reply split by the network stays whole)', () => {
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      const framed = [{ bytes: Buffer.from('Code 200: OK\n') }, ...steps]
      const withoutPauses = framed.filter((s) => !('pause' in s))
      expect(run(framed, true)).toEqual(run(withoutPauses, false))
    }), { numRuns: 500 })
  })

  it('reports an oversized reply through onTooLong and never throws', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), fc.boolean(), (chunks, quietFraming) => {
      let tooLong = 0
      const framer = new ReplyFramer({ maxLineBytes: 16, quietFraming, waiting: () => true, onLine: () => {}, onTooLong: () => { tooLong++ } })
      for (const chunk of chunks) framer.push(Buffer.from(chunk))
      vi.runAllTimers()
      framer.stop()
      const longest = Math.max(0, ...Buffer.concat(chunks).toString('latin1').split('\n').map((l) => l.length))
      // A line over the limit (in bytes, a \r counted) is reported once and the framer stops.
      expect(tooLong).toBe(longest > 16 ? 1 : 0)
    }), { numRuns: 500 })
  })
})
