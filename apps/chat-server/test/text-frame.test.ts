import { createHash } from 'node:crypto'
import net from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { textFrame } from '../src/web/text-frame.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
let server: net.Server | undefined
let client: WebSocket | undefined

afterEach(async () => {
  client?.terminate()
  client = undefined
  if (server) await new Promise((resolve) => server!.close(resolve))
  server = undefined
})

/** A bare TCP server that completes the WebSocket handshake, then writes `frames` as they are. */
async function serveFrames (frames: Buffer[]): Promise<number> {
  server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', (request) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(request.toString())?.[1] ?? ''
      const accept = createHash('sha1').update(key + GUID).digest('base64')
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
      for (const frame of frames) socket.write(frame)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as net.AddressInfo).port
}

describe('textFrame', () => {
  it('is FIN + text opcode, the 7-bit length and the UTF-8 payload', () => {
    expect([...textFrame('hi')]).toEqual([0x81, 0x02, 0x68, 0x69])
    expect([...textFrame('')]).toEqual([0x81, 0x00])
    expect([...textFrame('é')]).toEqual([0x81, 0x02, 0xc3, 0xa9])
  })

  it('uses the 16-bit length from 126 bytes and the 64-bit length from 65,536', () => {
    expect([...textFrame('a'.repeat(125)).subarray(0, 2)]).toEqual([0x81, 125])
    expect([...textFrame('a'.repeat(126)).subarray(0, 4)]).toEqual([0x81, 126, 0, 126])
    expect([...textFrame('a'.repeat(65535)).subarray(0, 4)]).toEqual([0x81, 126, 0xff, 0xff])
    expect([...textFrame('a'.repeat(65536)).subarray(0, 10)]).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])
  })

  it('is read by a real ws client as the same text, at every length boundary', async () => {
    // Lengths in bytes around each header size; 'é' makes bytes and characters differ.
    const texts = ['', 'hello', 'a'.repeat(125), 'a'.repeat(124) + 'é', 'a'.repeat(65535), 'é'.repeat(32768), 'x'.repeat(100_000)]
    const port = await serveFrames(texts.map(textFrame))
    client = new WebSocket(`ws://127.0.0.1:${port}`)
    const received: string[] = []
    const all = new Promise<void>((resolve, reject) => {
      client!.on('error', reject)
      client!.on('message', (data, isBinary) => {
        expect(isBinary).toBe(false)
        received.push(data.toString())
        if (received.length === texts.length) resolve()
      })
    })
    await all
    expect(received.map((t) => t.length)).toEqual(texts.map((t) => t.length))
    expect(received).toEqual(texts)
  })
})
