import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ErrorCodes, LineDecoder, encodeFrame, isProtocolError } from '../src/index.js'
import { connect, tcpServer } from './helpers.js'

async function decodeAll (chunks: Buffer[], options = {}): Promise<{ values: unknown[], error: unknown }> {
  const values: unknown[] = []
  const decoder = new LineDecoder(options)
  decoder.on('data', (v) => values.push(v))
  let error: unknown = null
  try {
    await pipeline(Readable.from(chunks), decoder)
  } catch (err) {
    error = err
  }
  return { values, error }
}

const FRAMES = [['a', 1], { é: 'ü' }, ['€', '日本語', '🚪'], 'text', 42, true, { nested: { deep: [1, 2, 3] } }]

describe('LineDecoder', () => {
  it('decodes mixed frames identically at every split position', async () => {
    const bytes = Buffer.from(FRAMES.map(encodeFrame).join('').replace('\n', '\r\n'))
    for (let i = 0; i <= bytes.length; i++) {
      const { values, error } = await decodeAll([bytes.subarray(0, i), bytes.subarray(i)])
      expect(error).toBeNull()
      expect(values, `split at ${i}`).toEqual(FRAMES)
    }
  })

  it('decodes the same values whatever the chunk size, from 1 byte up to all of it', async () => {
    const bytes = Buffer.from(FRAMES.map(encodeFrame).join('').replaceAll('\n', '\r\n'))
    for (let size = 1; size <= bytes.length; size++) {
      const chunks: Buffer[] = []
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
      const { values, error } = await decodeAll(chunks)
      expect(error).toBeNull()
      expect(values, `chunks of ${size} bytes`).toEqual(FRAMES)
    }
  })

  it('decodes 1,000 frames from one chunk', async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => encodeFrame({ i })).join(''))
    const { values } = await decodeAll([bytes])
    expect(values).toHaveLength(1000)
    expect(values[999]).toEqual({ i: 999 })
  })

  it('reports invalid JSON with ERR_INVALID_JSON and the start of the line, after the good frames', async () => {
    const { values, error } = await decodeAll([Buffer.from('{"ok":1}\n{not json at all}\n{"never":1}\n')])
    expect(values).toEqual([{ ok: 1 }])
    expect(isProtocolError(error, ErrorCodes.INVALID_JSON)).toBe(true)
    expect((error as Error).message).toContain('{not json at all}')
  })

  it('skips blank \\r\\n lines and quotes a bad \\r\\n line without its \\r', async () => {
    const { values, error } = await decodeAll([Buffer.from('{"a":1}\r\n\r\n\n[2]\r\n{oops}\r\n[3]\r\n')])
    expect(values).toEqual([{ a: 1 }, [2]])
    expect(isProtocolError(error, ErrorCodes.INVALID_JSON)).toBe(true)
    expect((error as { details: { line: string } }).details.line).toBe('{oops}')
  })

  it('reports a 2 MiB line as ERR_FRAME_TOO_LARGE', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x61)
    const chunks = []
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536))
    const { error } = await decodeAll(chunks)
    expect(isProtocolError(error, ErrorCodes.FRAME_TOO_LARGE)).toBe(true)
  })

  it('passes text through with json: false, keeping empty lines', async () => {
    const { values } = await decodeAll([Buffer.from('a\r\n\nb\n')], { json: false })
    expect(values).toEqual(['a', '', 'b'])
  })

  it('over TCP: a connection with invalid JSON fails alone; a new connection decodes fine', async () => {
    const results: Array<{ values: unknown[], code?: string }> = []
    const srv = await tcpServer((socket) => {
      const entry: { values: unknown[], code?: string } = { values: [] }
      results.push(entry)
      const decoder = new LineDecoder()
      decoder.on('data', (v) => entry.values.push(v))
      pipeline(socket, decoder).catch((err: { code?: string }) => {
        entry.code = err.code
        socket.destroy()
      })
    })
    try {
      const bad = await connect(srv.port)
      bad.write('{"a":1}\n{oops\n')
      await once(bad, 'close')
      const good = await connect(srv.port)
      good.end('{"b":2}\n["c",3]\n')
      await once(good, 'close')
      expect(results[0]).toEqual({ values: [{ a: 1 }], code: ErrorCodes.INVALID_JSON })
      expect(results[1]?.values).toEqual([{ b: 2 }, ['c', 3]])
      expect(results[1]?.code).toBeUndefined()
    } finally {
      await srv.close()
    }
  })
})

/**
 * What decoding meant before whole runs of lines were parsed at once, written
 * out line by line: `\r` stripped, blank lines skipped, anything else parsed
 * alone; the first bad line ends it, with the code and message it had.
 */
function reference (bytes: Buffer): { values: unknown[], error: { code: string, message: string } | null } {
  const values: unknown[] = []
  const lines = bytes.toString('utf8').split('\n')
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line === '') continue
    const start = line.length > 80 ? line.slice(0, 80) + '…' : line
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      return { values, error: { code: ErrorCodes.INVALID_JSON, message: `invalid JSON frame starting ${JSON.stringify(start)}: ${(err as Error).message}` } }
    }
    if (value === null) return { values, error: { code: ErrorCodes.INVALID_FRAME, message: 'a bare null cannot travel through an object-mode stream' } }
    values.push(value)
  }
  return { values, error: null }
}

async function expectReference (bytes: Buffer, chunks: Buffer[] = [bytes]): Promise<void> {
  const { values, error } = await decodeAll(chunks)
  const want = reference(bytes)
  expect(values).toEqual(want.values)
  const got = error === null ? null : { code: (error as { code: string }).code, message: (error as Error).message }
  expect(got).toEqual(want.error)
}

/** Ten good lines around `bad`, in one chunk: the bad line falls inside a run the decoder would batch. */
const around = (...bad: string[]): Buffer =>
  Buffer.from([...Array.from({ length: 5 }, (_, i) => `{"i":${i}}`), ...bad, ...Array.from({ length: 5 }, (_, i) => `{"j":${i}}`)].join('\n') + '\n')

describe('LineDecoder, many lines per chunk', () => {
  it('a line with a top-level comma is ERR_INVALID_JSON, not two values', async () => {
    for (const bad of ['1,2', '{"a":1},{"b":2}', '"x","y"', '{"a":1} , {"b":2}']) {
      const { values, error } = await decodeAll([around(bad)])
      expect(values, bad).toHaveLength(5)
      expect(isProtocolError(error, ErrorCodes.INVALID_JSON), bad).toBe(true)
      await expectReference(around(bad))
    }
  })

  it('lines that try to close the batch array or carry an object across lines change nothing', async () => {
    const attempts = [
      ['1],[2'], [']'], ['['], ['],['], ['[1', '2]'], ['[[1', '2]]],[[3'], ['{"a":1', '"b":2}', '{"c":1},{"d":2}'],
      ['{"a":1', ',"b":2}', '{"c":1},{"d":2}'], ['{"a":[{"b":1}', '{"z":1}]}', '{"c":1},{"d":2}'], ['{"a":"x', 'y"}'], ['{"a":"x', 'y"}', '{"c":1},{"d":2}'],
      ['{"a":1', '}'], ['{"a":{', '}}'], ['{"a":1}]', '[{"b":2}'], [',{"a":1}', '{"b":2}']
    ]
    for (const bad of attempts) {
      const { values, error } = await decodeAll([around(...bad)])
      expect(values.slice(0, 5), bad.join(' / ')).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })))
      expect(values, bad.join(' / ')).toHaveLength(5)
      expect(isProtocolError(error, ErrorCodes.INVALID_JSON), bad.join(' / ')).toBe(true)
      await expectReference(around(...bad))
    }
  })

  it('skips blank and \r\n-blank lines mixed into a chunk; a whitespace-only line stays ERR_INVALID_JSON', async () => {
    const text = '\n\r\n{"a":1}\n\n{"b":2}\r\n\r\n\r\n{"c":3}\r\n"s"\n {"d":4}\n\t5\n6\n\n'
    const { values, error } = await decodeAll([Buffer.from(text)])
    expect(error).toBeNull()
    expect(values).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, 's', { d: 4 }, 5, 6])
    for (const blank of ['   ', '\t', ' \r']) {
      const { values: before, error: err } = await decodeAll([around(blank)])
      expect(before).toHaveLength(5)
      expect(isProtocolError(err, ErrorCodes.INVALID_JSON)).toBe(true)
      await expectReference(around(blank))
    }
  })

  it('a bare null inside a run: the values before it, then ERR_INVALID_FRAME', async () => {
    for (const bad of ['null', ' null', 'null\r']) {
      const { values, error } = await decodeAll([around(bad)])
      expect(values).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })))
      expect(isProtocolError(error, ErrorCodes.INVALID_FRAME)).toBe(true)
    }
    // A null inside a value is a value like any other.
    await expectReference(around('{"n":null}', '[null]'))
  })

  it('bad JSON inside a run: the values before it, then the message it always had', async () => {
    const { values, error } = await decodeAll([around('{"x":1,}')])
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })))
    expect(isProtocolError(error, ErrorCodes.INVALID_JSON)).toBe(true)
    let parseError = ''
    try { JSON.parse('{"x":1,}') } catch (err) { parseError = (err as Error).message }
    expect((error as Error).message).toBe(`invalid JSON frame starting "{\\"x\\":1,}": ${parseError}`)
    await expectReference(around('{"x":1,}'))
  })

  it('property: any mix of values, hostile lines and blank lines decodes as line by line, in one chunk or cut anywhere', async () => {
    const hostile = fc.constantFrom(
      '1],[2', ']', '[', '],[', '[1', '2]', '[[1', '2]]],[[3', '{"a":1', '"b":2}', ',"b":2}', '{"c":1},{"d":2}', '1,2', '}',
      '{"a":[{"b":1}', '{"z":1}]}', '{"a":"x', 'y"}', 'x"}', 'null', ' null', '', '\r', ' ', '\t', '"s"', ' {"a":1}', ',', '{"x":1,}'
    )
    const good = fc.jsonValue().map((v) => JSON.stringify(v)).filter((l) => l !== 'null')
    // Flat objects are what the decoder batches: most lines should be those.
    const flat = fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null))).map((o) => JSON.stringify(o))
    const line = fc.oneof({ arbitrary: flat, weight: 6 }, { arbitrary: good, weight: 3 }, { arbitrary: hostile, weight: 1 })
    await fc.assert(fc.asyncProperty(fc.array(line, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), async (lines, cuts, crlf) => {
      const bytes = Buffer.from(lines.map((l) => l + (crlf ? '\r\n' : '\n')).join(''))
      await expectReference(bytes)
      const positions = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
      const chunks: Buffer[] = []
      let prev = 0
      for (const p of positions) { chunks.push(bytes.subarray(prev, p)); prev = p }
      chunks.push(bytes.subarray(prev))
      await expectReference(bytes, chunks)
    }), { numRuns: 400 })
  })
})

describe('encodeFrame', () => {
  it('writes one JSON line; newlines inside values are escaped, so no frame injection', () => {
    expect(encodeFrame(['msg', 'a\nb'])).toBe('["msg","a\\nb"]\n')
  })

  it('refuses values JSON cannot carry with ERR_UNENCODABLE', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    expect(() => encodeFrame(cycle)).toThrow(expect.objectContaining({ code: ErrorCodes.UNENCODABLE }))
    expect(() => encodeFrame(undefined)).toThrow(expect.objectContaining({ code: ErrorCodes.UNENCODABLE }))
    expect(() => encodeFrame(10n)).toThrow(expect.objectContaining({ code: ErrorCodes.UNENCODABLE }))
  })
})

