import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ErrorCodes, LineSplitter, type ProtocolError } from '../src/index.js'

function split (chunks: Buffer[], maxLineBytes?: number, onOverflow?: 'stop' | 'skip'): { lines: string[], errors: ProtocolError[], splitter: LineSplitter } {
  const lines: string[] = []
  const errors: ProtocolError[] = []
  const splitter = new LineSplitter({ maxLineBytes, onOverflow, onLine: (l) => lines.push(l), onError: (e) => errors.push(e) })
  for (const c of chunks) splitter.push(c)
  splitter.end()
  return { lines, errors, splitter }
}

// ASCII, 2-, 3- and 4-byte UTF-8, \r\n and \n endings, an empty line.
const MIXED = '["a",1]\n["é",{"x":"ü"}]\r\n["€uro","日本語"]\n\n["emoji","🚪🔔"]\r\n["last",true]\n'
const MIXED_LINES = ['["a",1]', '["é",{"x":"ü"}]', '["€uro","日本語"]', '', '["emoji","🚪🔔"]', '["last",true]']

describe('LineSplitter', () => {
  it('gives the same lines whatever the split position (every byte boundary)', () => {
    const bytes = Buffer.from(MIXED)
    for (let i = 0; i <= bytes.length; i++) {
      const { lines, errors } = split([bytes.subarray(0, i), bytes.subarray(i)])
      expect(errors).toEqual([])
      expect(lines, `split at byte ${i}`).toEqual(MIXED_LINES)
    }
  })

  it('gives the same lines at every pair of split positions (three chunks)', () => {
    const bytes = Buffer.from(MIXED)
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const { lines } = split([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])
        expect(lines, `split at ${i} and ${j}`).toEqual(MIXED_LINES)
      }
    }
  })

  it('decodes a stream fed one byte at a time', () => {
    const bytes = Buffer.from(MIXED)
    const chunks = [...bytes].map((b) => Buffer.from([b]))
    expect(split(chunks).lines).toEqual(MIXED_LINES)
  })

  it('splits 1,000 frames that arrive in one chunk', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `["n",${i}]\n`).join('')
    const { lines } = split([Buffer.from(text)])
    expect(lines).toHaveLength(1000)
    expect(lines[0]).toBe('["n",0]')
    expect(lines[999]).toBe('["n",999]')
  })

  it('stops buffering and reports ERR_FRAME_TOO_LARGE for a 2 MiB line without newline', () => {
    const max = 1024 * 1024
    const errors: ProtocolError[] = []
    let maxPending = 0
    const splitter = new LineSplitter({ maxLineBytes: max, onLine: () => {}, onError: (e) => errors.push(e) })
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    let accepted = 0
    for (let sent = 0; sent < 2 * max; sent += chunk.length) {
      if (splitter.push(chunk)) accepted++
      maxPending = Math.max(maxPending, splitter.pendingBytes)
    }
    expect(errors).toHaveLength(1)
    expect(errors[0]?.code).toBe(ErrorCodes.FRAME_TOO_LARGE)
    expect(errors[0]?.name).toBe('ProtocolError')
    expect(maxPending).toBeLessThanOrEqual(max)
    expect(accepted).toBe(16) // 16 × 64 KiB = exactly 1 MiB kept, the 17th chunk overflows
    expect(splitter.pendingBytes).toBe(0) // nothing held once failed
    expect(splitter.push(Buffer.from('x\n'))).toBe(false)
  })

  it('rejects a complete line longer than the limit even when it arrives in one chunk', () => {
    const { lines, errors } = split([Buffer.from('ok\n' + 'é'.repeat(20) + '\nnever\n')], 30)
    expect(lines).toEqual(['ok'])
    expect(errors[0]?.code).toBe(ErrorCodes.FRAME_TOO_LARGE)
  })

  it('many short lines in one chunk longer than maxLineBytes all arrive (only a long line counts)', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${String(i).padStart(4, '0')}`) // 9 bytes each
    const { lines: got, errors } = split([Buffer.from(lines.join('\r\n') + '\n')], 16)
    expect(errors).toEqual([])
    expect(got).toEqual(lines)
    // The same chunk with one 17-byte line in it stops right there.
    const withLong = [...lines.slice(0, 3), 'é'.repeat(8) + 'x', ...lines.slice(3)]
    const over = split([Buffer.from(withLong.join('\n') + '\n')], 16)
    expect(over.lines).toEqual(lines.slice(0, 3))
    expect(over.errors.map((e) => e.code)).toEqual([ErrorCodes.FRAME_TOO_LARGE])
  })

  it('a chunk that ends on a newline leaves nothing pending; one that does not keeps only its tail', () => {
    const lines: string[] = []
    const splitter = new LineSplitter({ onLine: (l) => lines.push(l), onError: () => {} })
    splitter.push(Buffer.from('["a"]\n["b"]\n'))
    expect(splitter.pendingBytes).toBe(0)
    splitter.push(Buffer.from('["c"]\n["d'))
    expect(splitter.pendingBytes).toBe(3)
    splitter.push(Buffer.from('"]\n'))
    expect(lines).toEqual(['["a"]', '["b"]', '["c"]', '["d"]'])
    expect(splitter.pendingBytes).toBe(0)
  })

  it('onLines takes a chunk\'s complete lines in one call, \\r kept; a line spanning chunks still comes through onLine', () => {
    const texts: string[] = []
    const lines: string[] = []
    const splitter = new LineSplitter({ onLine: (l) => lines.push(l), onLines: (t) => texts.push(t), onError: () => {} })
    splitter.push(Buffer.from('a\r\nb\nc'))
    splitter.push(Buffer.from('d\r\ne\n'))
    expect(texts).toEqual(['a\r\nb', 'e'])
    expect(lines).toEqual(['cd'])
  })

  it('accepts a line of exactly maxLineBytes bytes', () => {
    const { lines, errors } = split([Buffer.from('x'.repeat(10)), Buffer.from('\n')], 10)
    expect(errors).toEqual([])
    expect(lines).toEqual(['x'.repeat(10)])
  })

  it("onOverflow 'skip' drops each oversized line and keeps every other line, at every split position", () => {
    const text = 'open\n' + 'x'.repeat(40) + '\nclose\n' + 'y'.repeat(25) + '\r\nopen\n'
    const bytes = Buffer.from(text)
    for (let i = 0; i <= bytes.length; i++) {
      for (const j of [i, Math.min(bytes.length, i + 7)]) {
        const { lines, errors } = split([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)], 20, 'skip')
        expect(lines, `split at ${i}, ${j}`).toEqual(['open', 'close', 'open'])
        expect(errors.map((e) => e.code), `split at ${i}, ${j}`).toEqual([ErrorCodes.FRAME_TOO_LARGE, ErrorCodes.FRAME_TOO_LARGE])
      }
    }
  })

  it("onOverflow 'skip' keeps nothing of a flood: a 2 MiB line costs no memory and the next line arrives", () => {
    const lines: string[] = []
    let errors = 0
    let maxPending = 0
    const splitter = new LineSplitter({ maxLineBytes: 1024, onOverflow: 'skip', onLine: (l) => lines.push(l), onError: () => errors++ })
    const chunk = Buffer.alloc(64 * 1024, 0x7a)
    for (let i = 0; i < 32; i++) {
      expect(splitter.push(chunk)).toBe(true)
      maxPending = Math.max(maxPending, splitter.pendingBytes)
    }
    splitter.push(Buffer.from('zzz\nclose\n'))
    expect(lines).toEqual(['close'])
    expect(errors).toBe(1)
    expect(maxPending).toBeLessThanOrEqual(1024)
  })

  it('delivers an unterminated last line at end, like split2', () => {
    expect(split([Buffer.from('a\nb')]).lines).toEqual(['a', 'b'])
  })

  it('stop() from inside onLine halts delivery of the rest of the chunk', () => {
    const lines: string[] = []
    const splitter: LineSplitter = new LineSplitter({ onLine: (l) => { lines.push(l); if (l === 'b') splitter.stop() }, onError: () => {} })
    splitter.push(Buffer.from('a\nb\nc\nd\n'))
    expect(lines).toEqual(['a', 'b'])
  })

  it('property: any chunking of any list of lines yields the lines', () => {
    const line = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''))
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l + '\n').join(''))
      const positions = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
      const chunks: Buffer[] = []
      let prev = 0
      for (const p of positions) { chunks.push(bytes.subarray(prev, p)); prev = p }
      chunks.push(bytes.subarray(prev))
      const got = split(chunks).lines
      // Lone surrogates do not survive UTF-8 (they become U+FFFD); compare with the re-decoded text.
      expect(got).toEqual(lines.map((l) => Buffer.from(l).toString()))
    }), { numRuns: 500 })
  })

  it('counts the bytes received, not the bytes after decoding: 400 invalid bytes fit a 1024-byte limit', () => {
    const lines: string[] = []
    const errors: unknown[] = []
    const bad = Buffer.concat([Buffer.alloc(400, 0xff), Buffer.from('\n')])
    const one = new LineSplitter({ maxLineBytes: 1024, onLine: (l) => lines.push(l), onError: (e) => errors.push(e) })
    one.push(Buffer.concat([bad, Buffer.from('ok\n')])) // one packet
    const two = new LineSplitter({ maxLineBytes: 1024, onLine: (l) => lines.push(l), onError: (e) => errors.push(e) })
    two.push(bad.subarray(0, 200)) // the same bytes over two packets
    two.push(bad.subarray(200))
    expect(errors).toEqual([])
    expect(lines).toEqual(['\uFFFD'.repeat(400), 'ok', '\uFFFD'.repeat(400)])
    // And a line that really is too long is still refused, with its received size.
    const over = new LineSplitter({ maxLineBytes: 1024, onLine: () => {}, onError: (e) => errors.push(e) })
    over.push(Buffer.concat([Buffer.from('a\n'), Buffer.alloc(1025, 0xff), Buffer.from('\n')]))
    expect(errors).toHaveLength(1)
    expect((errors[0] as { details: { bytes: number } }).details.bytes).toBe(1025)
  })
})

describe('LineSplitter with onRawLine', () => {
  function splitRaw (chunks: Buffer[], maxLineBytes?: number, onOverflow?: 'stop' | 'skip'): { lines: string[], errors: ProtocolError[] } {
    const lines: string[] = []
    const errors: ProtocolError[] = []
    // Decoded at once, as the bytes are only valid during the call.
    const splitter = new LineSplitter({ maxLineBytes, onOverflow, onRawLine: (b, s, e) => lines.push(b.toString('utf8', s, e)), onError: (e) => errors.push(e) })
    for (const c of chunks) splitter.push(c)
    splitter.end()
    return { lines, errors }
  }

  it('gives the lines onLine would, at every pair of split positions', () => {
    const bytes = Buffer.from(MIXED)
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const got = splitRaw([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])
        expect(got.errors).toEqual([])
        expect(got.lines, `split at ${i} and ${j}`).toEqual(MIXED_LINES)
      }
    }
  })

  it('flushes an unterminated last line on end(), \r stripped', () => {
    expect(splitRaw([Buffer.from('a\r\nb'), Buffer.from('c\r')]).lines).toEqual(['a', 'bc'])
  })

  it('applies maxLineBytes to the bytes received, whole and across chunks, in both overflow modes', () => {
    const long = 'x'.repeat(11)
    expect(splitRaw([Buffer.from(`ok\n${long}\nnext\n`)], 10)).toMatchObject({ lines: ['ok'], errors: [{ code: ErrorCodes.FRAME_TOO_LARGE }] })
    expect(splitRaw([Buffer.from(`ok\n${long.slice(0, 5)}`), Buffer.from(`${long.slice(5)}\nnext\n`)], 10, 'skip').lines).toEqual(['ok', 'next'])
    expect(splitRaw([Buffer.from(`ok\n${long}\nnext\n`)], 10, 'skip').lines).toEqual(['ok', 'next'])
    expect(splitRaw([Buffer.from('é'.repeat(5) + '\n')], 10).lines).toEqual(['é'.repeat(5)])
  })

  it('needs exactly one of onLine and onRawLine', () => {
    expect(() => new LineSplitter({ onError: () => {} })).toThrow(/exactly one/)
    expect(() => new LineSplitter({ onLine: () => {}, onRawLine: () => {}, onError: () => {} })).toThrow(/exactly one/)
  })
})
