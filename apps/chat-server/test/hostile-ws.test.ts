import net from 'node:net'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import type { AppLogger } from '@eventwire/protocol'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest()
const { clients, sockets } = opened

async function wsJoin (port: number, nick: string, options: WebSocket.ClientOptions = {}): Promise<WsClient> {
  const client = await WsClient.connect(port, options)
  sockets.push(client)
  const welcome = await client.waitFor('welcome')
  client.send({ type: 'nick', nick })
  await client.waitFor((e) => e.type === 'nick' && e.from === welcome.nick && e.to === nick)
  return client
}

/** Records error logs, as pino would get them. */
function recordingLogger (): AppLogger & { errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = []
  const noop = (): void => {}
  return { debug: noop, info: noop, warn: noop, error: (fields) => { errors.push(fields) }, errors }
}

describe('hostile WebSocket frames', () => {
  it('answers each frame that used to stop the process with an error; everyone keeps chatting', async () => {
    opened.started = await startServer({ rateLimit: { burst: 100, perSecond: 100 } })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const wendy = await wsJoin(opened.started.webPort, 'wendy')
    const mallory = await wsJoin(opened.started.webPort, 'mallory')
    await tom.waitFor(/known as mallory$/)
    for (const frame of ['{"type":{"toString":1}}', '{"type":{"toString":null}}', '{"type":[{"toString":1}]}']) {
      mallory.send(frame)
      expect(await mallory.waitFor('error')).toEqual({ type: 'error', code: 'BAD_REQUEST', text: expect.stringMatching(/^unknown type a/) })
    }
    tom.send('still here?')
    expect(await wendy.waitFor('message')).toMatchObject({ from: 'tom', text: 'still here?' })
    wendy.send({ type: 'message', text: 'yes' })
    expect(await tom.waitFor(/yes/)).toBe('<wendy> yes')
    // The hostile client too: a bad frame is an error, not a disconnect.
    mallory.send({ type: 'message', text: 'me too' })
    expect(await tom.waitFor(/me too/)).toBe('<mallory> me too')
    expect(opened.started.server.room.size).toBe(3)
  })

  it('turns an exception at the message boundary into an error for that member only, and a log line', async () => {
    const logger = recordingLogger()
    opened.started = await startServer({ logger })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const wendy = await wsJoin(opened.started.webPort, 'wendy')
    await tom.waitFor(/known as wendy$/)
    // A fault in the core (the bug nobody has found yet), only for wendy's requests.
    const room = opened.started.server.room
    const request = room.request.bind(room)
    room.request = (member, req) => {
      if (member.nick === 'wendy') throw new Error('boom')
      request(member, req)
    }
    wendy.send({ type: 'who' })
    expect(await wendy.waitFor('error')).toEqual({ type: 'error', code: 'INTERNAL_ERROR', text: expect.stringMatching(/^internal error/) })
    expect((await wendy.closed).code).toBe(1011)
    expect(await tom.waitFor(/left/)).toBe('* wendy left (internal error)')
    expect(logger.errors).toEqual([expect.objectContaining({ err: expect.objectContaining({ message: 'boom' }), nick: 'wendy', transport: 'ws' })])
    // Same for a TCP member's line.
    const input = room.input.bind(room)
    room.input = (member, line) => {
      if (line === 'explode') throw new Error('boom2')
      input(member, line)
    }
    const ann = await tcpJoin(opened.started.tcpPort, 'ann', clients)
    ann.send('explode')
    expect(await ann.waitFor(/^!/)).toMatch(/^! internal error/)
    await ann.closed
    expect(await tom.waitFor(/left/)).toBe('* ann left (internal error)')
    const web = await wsJoin(opened.started.webPort, 'wes')
    tom.send('the process is alive')
    expect(await web.waitFor('message')).toMatchObject({ from: 'tom', text: 'the process is alive' })
  })
})

async function upgradeStatus (port: number, origin: string): Promise<{ status: number, body: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin })
  return await new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); ws.terminate() })
    })
    ws.on('open', () => { ws.terminate(); reject(new Error(`origin ${origin} was let in`)) })
    ws.on('error', () => {})
  })
}

describe('WebSocket origin check', () => {
  it('refuses other sites and null with 403; they never join', async () => {
    opened.started = await startServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    for (const origin of ['http://evil.example', 'null']) {
      const { status, body } = await upgradeStatus(opened.started.webPort, origin)
      expect(status).toBe(403)
      expect(body).toMatch(new RegExp(`^origin not allowed: ${origin}; to allow it, add it to CHAT_ALLOWED_ORIGINS`))
    }
    // The page's own origin and clients that send none still connect.
    const own = await WsClient.connect(opened.started.webPort, { origin: `http://127.0.0.1:${opened.started.webPort}` })
    sockets.push(own)
    const { nick } = await own.waitFor('welcome')
    expect(await tom.next()).toBe(`* ${nick as string} joined`) // the first join tom sees: the refused ones never joined
    expect(opened.started.server.room.size).toBe(2)
  })

  it('lets in an origin from allowedOrigins', async () => {
    opened.started = await startServer({ allowedOrigins: ['https://chat.example.com'] })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    expect((await upgradeStatus(opened.started.webPort, 'https://other.example.com')).status).toBe(403)
    const friend = await WsClient.connect(opened.started.webPort, { origin: 'https://chat.example.com' })
    sockets.push(friend)
    const { nick } = await friend.waitFor('welcome')
    expect(await tom.next()).toBe(`* ${nick as string} joined`)
  })
})

/** A raw upgrade request, as a hostile client can spell it. */
async function rawUpgrade (port: number, headers: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1')
  let answer = ''
  socket.setEncoding('utf8')
  socket.on('data', (text: string) => { answer += text })
  socket.on('error', () => {})
  socket.write(`GET /ws HTTP/1.1\r\n${headers}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  await new Promise((resolve) => socket.once('close', resolve))
  return answer
}

describe('hostile upgrade requests', () => {
  it('a Host header the URL parser refuses gets an HTTP error, and the room carries on', async () => {
    opened.started = await startServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    for (const host of ['[', 'a b', 'x:99999']) {
      const answer = await rawUpgrade(opened.started.webPort, `Host: ${host}\r\nOrigin: http://evil.example\r\n`)
      expect(answer).toMatch(/^HTTP\/1\.1 (400|403) /)
    }
    const wes = await wsJoin(opened.started.webPort, 'wes')
    tom.send('alive')
    expect(await wes.waitFor('message')).toMatchObject({ from: 'tom', text: 'alive' })
  })
})
