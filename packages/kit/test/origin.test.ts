import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createOriginCheck, parseOriginList } from '../src/index.js'

function request (headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage
}

describe('createOriginCheck', () => {
  const check = createOriginCheck(['https://friend.example'])
  it('lets clients without Origin in (nc-like tools, ws from Node)', () => {
    expect(check(request({ host: '127.0.0.1:8081' }))).toBe(true)
  })
  it('lets the page\'s own origin in', () => {
    expect(check(request({ host: '127.0.0.1:8081', origin: 'http://127.0.0.1:8081' }))).toBe(true)
    expect(check(request({ host: 'localhost:8081', origin: 'http://LOCALHOST:8081' }))).toBe(true)
  })
  it('lets listed origins in', () => {
    expect(check(request({ host: '127.0.0.1:8081', origin: 'https://friend.example' }))).toBe(true)
  })
  it('refuses other sites, null and malformed origins', () => {
    expect(check(request({ host: '127.0.0.1:8081', origin: 'http://evil.example' }))).toBe(false)
    expect(check(request({ host: '127.0.0.1:8081', origin: 'null' }))).toBe(false)
    expect(check(request({ host: '127.0.0.1:8081', origin: 'http://127.0.0.1:9999' }))).toBe(false)
    expect(check(request({ host: '127.0.0.1:8081', origin: 'javascript:alert(1)' }))).toBe(false)
  })
  it('refuses, never throws, when the Host header is malformed', () => {
    for (const host of ['[', 'a b', 'x:99999', '']) {
      expect(check(request({ host, origin: 'http://127.0.0.1:8081' }))).toBe(false)
    }
  })
})

describe('parseOriginList', () => {
  it('parses a comma-separated list', () => {
    expect(parseOriginList(' https://a.example , http://localhost:3000,')).toEqual(['https://a.example', 'http://localhost:3000'])
    expect(parseOriginList(undefined)).toEqual([])
    expect(parseOriginList('')).toEqual([])
  })
  it('names the entry that is not an origin', () => {
    expect(() => parseOriginList('https://a.example/path')).toThrow(/"https:\/\/a.example\/path" is not an origin/)
    expect(() => parseOriginList('a.example')).toThrow(/"a.example" is not an origin/)
  })
})
