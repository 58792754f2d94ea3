import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { TelnetBytes as T, TelnetFilter, type TelnetCommand } from '../src/index.js'

function filter (): { f: TelnetFilter, replies: number[][], commands: TelnetCommand[] } {
  const replies: number[][] = []
  const commands: TelnetCommand[] = []
  const f = new TelnetFilter({ reply: (b) => replies.push([...b]), onCommand: (c) => commands.push(c) })
  return { f, replies, commands }
}

const OFFER = [[T.IAC, T.DO, T.OPT_BINARY]]

describe('TelnetFilter', () => {
  it('passes plain bytes through untouched and says nothing to a client that never sent an IAC (nc)', () => {
    const { f, replies } = filter()
    const chunk = Buffer.from('hello ✓ ă\r\n')
    expect(f.push(chunk)).toBe(chunk)
    expect(f.isTelnet).toBe(false)
    expect(replies).toEqual([])
  })

  it('telnet Ctrl-C (IAC IP IAC DO TIMING-MARK): interrupt, WILL TIMING-MARK, our BINARY offer, no data', () => {
    const { f, replies, commands } = filter()
    expect([...f.push(Buffer.from([0xff, 0xf4, 0xff, 0xfd, 0x06]))]).toEqual([])
    expect(commands).toEqual(['interrupt'])
    expect(replies).toEqual([...OFFER, [T.IAC, T.WILL, T.OPT_TIMING_MARK]])
    expect(f.isTelnet).toBe(true)
  })

  it('handles sequences split at every byte, subnegotiation and escaped IAC', () => {
    const input = Buffer.from([...Buffer.from('ab'), T.IAC, T.SB, 24, 0, T.IAC, T.IAC, 65, T.IAC, T.SE, ...Buffer.from('c'), T.IAC, T.IAC, ...Buffer.from('d\r'), 0, ...Buffer.from('\n')])
    for (let size = 1; size <= input.length; size++) {
      const { f } = filter()
      const out: number[] = []
      for (let i = 0; i < input.length; i += size) out.push(...f.push(input.subarray(i, i + size)))
      expect(Buffer.from(out).toString('latin1')).toBe('abc\xffd\r\n')
    }
  })

  it('acknowledges the peer accepting BINARY silently, and refuses other options once each', () => {
    const { f, replies } = filter()
    f.push(Buffer.from([T.IAC, T.NOP]))
    replies.length = 0
    // The peer accepts our request: no answer to an answer.
    f.push(Buffer.from([T.IAC, T.WILL, T.OPT_BINARY]))
    expect(replies).toEqual([])
    // It asks us to send binary: refused (telnet would print our \n without a carriage return).
    f.push(Buffer.from([T.IAC, T.DO, T.OPT_BINARY]))
    expect(replies).toEqual([[T.IAC, T.WONT, T.OPT_BINARY]])
    replies.length = 0
    // It asks for echo and offers terminal type: refused.
    f.push(Buffer.from([T.IAC, T.DO, 1, T.IAC, T.WILL, 24]))
    expect(replies).toEqual([[T.IAC, T.WONT, 1], [T.IAC, T.DONT, 24]])
    replies.length = 0
    // Their acknowledgements of our refusals need no answer either.
    f.push(Buffer.from([T.IAC, T.DONT, 1, T.IAC, T.WONT, 24]))
    expect(replies).toEqual([])
    // The peer stopping binary is acknowledged once.
    f.push(Buffer.from([T.IAC, T.WONT, T.OPT_BINARY, T.IAC, T.WONT, T.OPT_BINARY]))
    expect(replies).toEqual([[T.IAC, T.DONT, T.OPT_BINARY]])
  })

  it('recovers the UTF-8 bytes telnet mangled into commands before binary mode (Debian telnet trace of "✓ ă")', () => {
    // What Debian's telnet sent for "✓ ă" typed before binary mode: 0x9C became IAC BRK, 0x83 became IAC IP,
    // each followed by IAC DO TIMING-MARK, over two packets.
    const { f, replies, commands } = filter()
    const out = Buffer.concat([
      f.push(Buffer.from('e2fff3fffd06', 'hex')),
      f.push(Buffer.from('9320c4fff4fffd060d0a', 'hex'))
    ])
    expect(out.toString()).toBe('✓ ă\r\n')
    expect(commands).toEqual([])
    expect(replies).toEqual([...OFFER, [T.IAC, T.WILL, T.OPT_TIMING_MARK], [T.IAC, T.WILL, T.OPT_TIMING_MARK]])
    // A real Ctrl-C between characters is still an interrupt.
    f.push(Buffer.from('fff4fffd06', 'hex'))
    expect(commands).toEqual(['interrupt'])
  })

  it('reports every user command', () => {
    const { f, commands } = filter()
    f.push(Buffer.from([T.IAC, T.AO, T.IAC, T.AYT, T.IAC, T.BRK, T.IAC, T.EOF, T.IAC, T.SUSP, T.IAC, T.ABORT, T.IAC, T.EC, T.IAC, T.EL, T.IAC, T.GA, T.IAC, T.DM]))
    expect(commands).toEqual(['abort-output', 'are-you-there', 'break', 'eof', 'suspend', 'abort', 'erase-char', 'erase-line'])
  })

  it('never throws, never grows its output past its input, and never lets an IAC through unescaped', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const { f } = filter()
      for (const chunk of chunks) {
        const out = f.push(Buffer.from(chunk))
        expect(out.length).toBeLessThanOrEqual(chunk.length)
      }
    }))
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }).filter((b) => !b.includes(0xff) && !b.includes(0)), (bytes) => {
      const { f } = filter()
      expect([...f.push(Buffer.from(bytes))]).toEqual([...bytes])
    }))
  })
})
