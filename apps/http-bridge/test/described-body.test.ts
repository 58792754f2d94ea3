import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DescribedBodies, REUSE_LINE_LIMIT } from '../src/described-body.js'
import { get, rawUpstream, startBridge } from './helpers.js'

const body = (code: string, line: string): string => JSON.stringify({ code: Number(code), data: line })

describe('DescribedBodies', () => {
  it('hands back the body kept for a code only while its line is the same', () => {
    const bodies = new DescribedBodies()
    expect(bodies.find('404', 'Code 404: Not Found')).toBeUndefined()
    bodies.keep('404', 'Code 404: Not Found', body('404', 'Code 404: Not Found'))
    expect(bodies.find('404', 'Code 404: Not Found')).toBe(body('404', 'Code 404: Not Found'))
    expect(bodies.find('404', 'Code 404: Gone')).toBeUndefined()
    expect(bodies.find('405', 'Code 404: Not Found')).toBeUndefined()
    bodies.keep('404', 'Code 404: Gone', body('404', 'Code 404: Gone'))
    expect(bodies.find('404', 'Code 404: Not Found')).toBeUndefined()
    expect(bodies.find('404', 'Code 404: Gone')).toBe(body('404', 'Code 404: Gone'))
  })

  it('keeps nothing for a long line or for anything but three ASCII digits', () => {
    const bodies = new DescribedBodies()
    const long = 'x'.repeat(REUSE_LINE_LIMIT + 1)
    bodies.keep('200', long, body('200', long))
    expect(bodies.find('200', long)).toBeUndefined()
    for (const code of ['0:0', '1', '1000', '-12', '٤٠٤']) {
      bodies.keep(code, 'line', 'json')
      expect(bodies.find(code, 'line'), code).toBeUndefined()
    }
    // '0:0' would land on slot 100 if digits were not checked.
    expect(bodies.find('100', 'line')).toBeUndefined()
  })

  it('for any codes and lines, find() gives the body kept for exactly that code and line, or nothing', () => {
    const code = fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0'))
    fc.assert(fc.property(fc.array(fc.tuple(code, fc.string({ maxLength: 20 }), fc.boolean())), (steps) => {
      const bodies = new DescribedBodies()
      const model = new Map<string, string>()
      for (const [c, line, keep] of steps) {
        const found = bodies.find(c, line)
        expect(found).toBe(model.get(c) === line ? body(c, line) : undefined)
        if (keep) {
          bodies.keep(c, line, body(c, line))
          model.set(c, line)
        }
      }
    }), { numRuns: 300 })
  })
})

describe('the 200 body over the wire', () => {
  it('is the JSON of the line, escapes and all, the first time and every time after, and follows a line that changes', async () => {
    const lines = new Map([
      ['200', 'OK "quoted" \\ back\tslash — ünïcode 🚀'],
      ['201', 'Code 201: Created'],
      ['202', 'x'.repeat(REUSE_LINE_LIMIT + 10)]
    ])
    let served = 0
    const upstream = await rawUpstream((chunk, socket) => {
      // The tutorial's kind of server: its own wording; 203's line changes on every request.
      const code = chunk.slice(0, 3)
      const line = code === '203' ? `answer ${served++} for 203` : lines.get(code) ?? '?'
      socket.write(Buffer.from(line + '\n', 'utf8'))
    })
    const { url } = await startBridge({ statusPort: upstream.port, pipeline: 1, connections: 1 })
    for (let round = 0; round < 3; round++) {
      for (const [code, line] of lines) {
        const res = await get(`${url}/status/${code}`)
        expect(res.status, code).toBe(200)
        expect(res.body, code).toBe(body(code, line))
      }
      const changing = await get(`${url}/status/203`)
      expect(changing.body).toBe(body('203', `answer ${served - 1} for 203`))
    }
  })
})
