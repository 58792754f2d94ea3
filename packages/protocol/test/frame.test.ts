import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ErrorCodes, ProtocolError, decodeFrame, encodeEvent, encodeFrame, isProtocolError } from '../src/index.js'

describe('decodeFrame', () => {
  it('decodes event frames as duplex-emitter writes them', () => {
    expect(decodeFrame('["open",1700000000000]')).toEqual(['open', 1700000000000])
    expect(decodeFrame('["message","alice","hi"]')).toEqual(['message', 'alice', 'hi'])
    expect(decodeFrame('["ping"]')).toEqual(['ping'])
  })

  it('returns null for a blank line, which carries nothing', () => {
    expect(decodeFrame('')).toBeNull()
  })

  it('returns coded errors instead of throwing', () => {
    expect(isProtocolError(decodeFrame('{"a":'), ErrorCodes.INVALID_JSON)).toBe(true)
    for (const line of ['{"a":1}', '42', 'null', '[]', '[1,2]', '[null]', '"open"']) {
      expect(isProtocolError(decodeFrame(line), ErrorCodes.INVALID_FRAME)).toBe(true)
    }
  })

  it('checks the shape of extension frames before they are dispatched', () => {
    expect(decodeFrame('["$req","1","sum",1,2]')).toEqual(['$req', '1', 'sum', 1, 2])
    expect(isProtocolError(decodeFrame('["$req",1,"sum"]'), ErrorCodes.INVALID_FRAME)).toBe(true)
    expect(isProtocolError(decodeFrame('["$req","1",{"toString":1}]'), ErrorCodes.INVALID_FRAME)).toBe(true)
    expect(decodeFrame('["$res","1",null,3]')).toEqual(['$res', '1', null, 3])
    expect(isProtocolError(decodeFrame('["$res",["1"],null,3]'), ErrorCodes.INVALID_FRAME)).toBe(true)
  })

  it('round-trips whatever encodeEvent writes', () => {
    fc.assert(fc.property(fc.string(), fc.array(fc.jsonValue()), (event, args) => {
      const line = encodeEvent(event, args).slice(0, -1)
      const frame = decodeFrame(line)
      expect(frame).not.toBeInstanceOf(ProtocolError)
      expect(frame).toEqual(JSON.parse(line))
    }))
  })

  it('never throws on any line: JSON values, hostile objects, prototype-pollution keys, random text', () => {
    const hostile = fc.constantFrom(
      '["__proto__",{"toString":1}]', '{"__proto__":{"polluted":1}}', '["constructor",{"prototype":{}}]',
      '[{"toString":null}]', '["$req",{"valueOf":1},{"toString":1}]', '["$res","1",{"code":{"toString":1},"message":[]}]'
    )
    fc.assert(fc.property(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? ''), hostile, fc.string()), (line) => {
      const out = decodeFrame(line)
      expect(out === null || Array.isArray(out) || out instanceof ProtocolError).toBe(true)
    }), { numRuns: 2000 })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('frames never contain a raw newline, whatever the value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const frame = encodeFrame(value)
      expect(frame.indexOf('\n')).toBe(frame.length - 1)
    }))
  })
})
