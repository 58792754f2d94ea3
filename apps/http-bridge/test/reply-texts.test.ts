import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { REUSE_LINE_LIMIT } from '../src/described-body.js'
import { ReplyTexts } from '../src/reply-texts.js'
import { get, rawUpstream, startBridge } from './helpers.js'

const body = (code: string, line: string): string => JSON.stringify({ code: Number(code), data: line })

describe('ReplyTexts', () => {
  it('for any codes and reply bytes, gives exactly their UTF-8 text, the same string while they repeat', () => {
    const code = fc.constantFrom('200', '404', '418', '0:0', '1000', '٤٠٤')
    const line = fc.oneof(fc.constantFrom('Code 404: Not Found — x', 'Code 404: Not Found — y', 'Code 404: Not Found - x'), fc.string({ maxLength: 30 }))
    fc.assert(fc.property(fc.array(fc.tuple(code, line, fc.nat(8))), (steps) => {
      const texts = new ReplyTexts()
      const last = new Map<string, string>()
      for (const [c, l, pad] of steps) {
        // The reply somewhere inside a larger chunk, as the link gets it.
        const bytes = Buffer.concat([Buffer.alloc(pad, 0x41), Buffer.from(l, 'utf8'), Buffer.from('\n999\n')])
        const end = bytes.length - 5
        const text = texts.text(c, bytes, pad, end)
        expect(text).toBe(bytes.toString('utf8', pad, end))
        if (last.get(c) === text) expect(texts.text(c, bytes, pad, end)).toBe(text)
        last.set(c, text)
      }
    }), { numRuns: 300 })
  })

  it('does not let a reply overwritten in its read buffer change what was kept', () => {
    const texts = new ReplyTexts()
    const bytes = Buffer.from('Code 200: OK — fine\n')
    expect(texts.text('200', bytes, 0, bytes.length - 1)).toBe('Code 200: OK — fine')
    bytes.write('Code 200: KO', 0)
    expect(texts.text('200', bytes, 0, bytes.length - 1)).toBe('Code 200: KO — fine')
    expect(texts.text('200', Buffer.from('Code 200: OK — fine'), 0, 21)).toBe('Code 200: OK — fine')
    const long = Buffer.from('é'.repeat(REUSE_LINE_LIMIT))
    expect(texts.text('201', long, 0, long.length)).toBe('é'.repeat(REUSE_LINE_LIMIT))
  })
})

describe('a reply line that changes after it was cached', () => {
  it('reaches the client as the new line: one byte changed, same length, a character cut between two writes, \\r\\n', async () => {
    // Pipelined (the default): several requests in one read get their replies in order.
    const versions = ['Code 404: Not Found — v1', 'Code 404: Not Found — v2', 'Code 404: Not Found — v2', 'Code 404: Not Found – v2', 'Code 404: Not Found — v1']
    let served = 0
    const upstream = await rawUpstream((chunk, socket) => {
      for (const request of chunk.split('\n').slice(0, -1)) {
        // A probe of an idle link (not due within this test) gets its own answer.
        if (request !== '404') {
          socket.write(`Code ${request}: probe\n`)
          continue
        }
        const line = versions[Math.min(served++, versions.length - 1)] as string
        const bytes = Buffer.from(`${line}\r\n`, 'utf8')
        // The em dash (3 bytes) starts at byte 20: cut inside it.
        socket.write(bytes.subarray(0, 21))
        setTimeout(() => socket.write(bytes.subarray(21)), 5)
      }
    })
    const { url } = await startBridge({ statusPort: upstream.port, connections: 1 })
    for (const expected of versions) {
      const res = await get(`${url}/status/404`)
      expect(res.status).toBe(200)
      expect(res.body).toBe(body('404', expected))
    }
  })
})
