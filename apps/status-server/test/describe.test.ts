import { STATUS_CODES } from 'node:http'
import { describe, expect, it } from 'vitest'
import { STATUS_EXPLANATIONS, describeStatus, knownStatusCodes, replyFor } from '../src/index.js'
import { replyBytesFor } from '../src/describe.js'

describe('the explanation table', () => {
  it('covers exactly the codes in http.STATUS_CODES', () => {
    const node = Object.keys(STATUS_CODES).map(Number).sort((a, b) => a - b)
    const ours = Object.keys(STATUS_EXPLANATIONS).map(Number).sort((a, b) => a - b)
    expect(ours).toEqual(node)
    expect(knownStatusCodes()).toEqual(node)
  })

  it('gives every code one line: "Code NNN: <reason> — <one sentence>."', () => {
    for (const code of knownStatusCodes()) {
      const line = describeStatus(code)
      expect(line).toBe(`Code ${code}: ${String(STATUS_CODES[code])} — ${String(STATUS_EXPLANATIONS[code])}`)
      expect(line).not.toMatch(/[\r\n]/)
      // One sentence: ends with a full stop and has no other sentence break.
      expect(STATUS_EXPLANATIONS[code]).toMatch(/^[A-Z][^\n]*\.$/)
      expect(STATUS_EXPLANATIONS[code]).not.toMatch(/\. [A-Z]/)
    }
  })

  it('describes 404 as the README shows', () => {
    expect(describeStatus(404)).toBe('Code 404: Not Found — The server has nothing at this URL, or will not say whether it does.')
    expect(describeStatus('404')).toBe(describeStatus(404))
    expect(describeStatus(999)).toBeUndefined()
  })
})

describe('replyFor', () => {
  it('answers known codes, forgiving surrounding spaces and tabs', () => {
    expect(replyFor('200')).toBe(`${String(describeStatus(200))}\n`)
    expect(replyFor(' \t200  ')).toBe(`${String(describeStatus(200))}\n`)
  })

  it('gives one error line for unknown, malformed and empty lines', () => {
    expect(replyFor('999')).toBe('Error: unknown status code 999\n')
    expect(replyFor('abc')).toBe('Error: expected a 3-digit status code, got "abc"\n')
    expect(replyFor('4044')).toBe('Error: expected a 3-digit status code, got "4044"\n')
    expect(replyFor('')).toBe('Error: empty line; send a 3-digit status code such as 404\n')
    expect(replyFor('   ')).toBe('Error: empty line; send a 3-digit status code such as 404\n')
  })

  it('keeps control characters and long input out of the error line', () => {
    expect(replyFor('4\r04')).toBe('Error: expected a 3-digit status code, got "4\\r04"\n')
    const reply = replyFor('x'.repeat(500))
    expect(reply).toBe(`Error: expected a 3-digit status code, got "${'x'.repeat(40)}..."\n`)
  })
})

describe('reply bytes', () => {
  it('are replyFor() encoded, one shared Buffer per known code, a fresh one for anything else', () => {
    for (const code of knownStatusCodes()) {
      const bytes = replyBytesFor(String(code))
      expect(bytes.equals(Buffer.from(replyFor(String(code)), 'utf8'))).toBe(true)
      expect(replyBytesFor(String(code))).toBe(bytes)
    }
    for (const line of ['999', 'abc', '', ' 404 ']) {
      expect(replyBytesFor(line).toString('utf8')).toBe(replyFor(line))
    }
    expect(replyBytesFor('999')).not.toBe(replyBytesFor('999'))
  })
})
