import { describe, expect, it } from 'vitest'
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

