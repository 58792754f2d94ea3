import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { describeStatus } from '../src/index.js'
import { rawConnect, startStatusServer } from './helpers.js'

/** Every byte received until the socket closes, as a Buffer. */
function bytesUntilClose (socket: import('node:net').Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))))
}

describe('telnet on the status port', () => {
  it('strips IAC sequences from requests, answers the timing mark, and closes on Ctrl-C (IAC IP)', async () => {
    const { port } = await startStatusServer()
    const socket = await rawConnect(port)
    const all = bytesUntilClose(socket)
    // "404⏎" with a NOP inside and a subnegotiation before it, then Ctrl-C as Debian's telnet sends it.
    socket.write(Buffer.concat([Buffer.from([255, 250, 24, 0, 65, 255, 240]), Buffer.from('40'), Buffer.from([255, 241]), Buffer.from('4\r\n')]))
    socket.write(Buffer.from('fff4fffd06', 'hex'))
    const bytes = await all
    const text = bytes.toString('latin1')
    expect(text).toContain(`${describeStatus(404) as string}`.slice(0, 20))
    expect(bytes.includes(Buffer.from([255, 251, 6]))).toBe(true) // WILL TIMING-MARK
    expect(bytes.includes(Buffer.from([255, 253, 0]))).toBe(true) // DO BINARY, once telnet showed itself
    // One reply, no "Error:" line for the negotiation bytes.
    expect(text.match(/(Code \d{3}|Error):/g)).toEqual(['Code 404:'])
  })

  it('sends a client that never sent an IAC (nc) no negotiation bytes', async () => {
    const { port } = await startStatusServer()
    const socket = await rawConnect(port)
    const all = bytesUntilClose(socket)
    socket.end('404\n200\n')
    const bytes = await all
    expect(bytes.includes(255)).toBe(false)
    expect(bytes.toString().split('\n').filter(Boolean)).toHaveLength(2)
  })

  it('does not take a mangled UTF-8 byte (IAC IP mid-character, before binary mode) for Ctrl-C', async () => {
    const { port } = await startStatusServer()
    const socket = await rawConnect(port)
    const replies: string[] = []
    socket.on('data', (c: Buffer) => replies.push(c.toString('utf8')))
    // "ă" as telnet sends it outside binary mode: c4, then 0x83 turned into IAC IP (+ DO TIMING-MARK).
    socket.write(Buffer.from('c4fff4fffd060d0a', 'hex'))
    socket.write('200\n')
    while (!replies.join('').includes('Code 200')) await once(socket, 'data')
    expect(socket.readyState).toBe('open')
    expect(replies.join('')).toMatch(/Error: expected a 3-digit status code, got "ă"/)
  })

  it('a Telnet NOP (a keepalive) neither cancels an early answer nor turns the line end after one into a request', async () => {
    const { port } = await startStatusServer({ quietReplyMs: 300 })
    const socket = await rawConnect(port)
    let text = ''
    socket.on('data', (c: Buffer) => { text += c.toString('latin1') })
    const until = async (what: string): Promise<void> => {
      while (!text.includes(what)) await once(socket, 'data')
    }
    socket.write('404')
    await sleep(20) // its own read, well inside the quiet moment
    socket.write(Buffer.from([255, 241])) // IAC NOP: a chunk with no request bytes
    await until('Code 404:')
    socket.write(Buffer.from([255, 241]))
    await sleep(20)
    socket.write('\r\n200\r\n')
    await until('Code 200:')
    expect(text.match(/(Code \d{3}|Error):/g)).toEqual(['Code 404:', 'Code 200:'])
  })
})
