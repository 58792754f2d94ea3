import { describe, expect, it } from 'vitest'
import net from 'node:net'
import { once } from 'node:events'
import { ErrorCodes, RemoteEmitter, isProtocolError, type ProtocolError } from '../src/index.js'
import { cleanups, closed, connect, duplexEmitter, nextEvent, pair, recordingLogger, tcpServer } from './helpers.js'

describe('RemoteEmitter heartbeat', () => {
  it('an active heartbeat closes a peer that stopped answering', async () => {
    const logger = recordingLogger()
    const { client, serverSocket, clientSocket } = await pair({}, { heartbeat: { intervalMs: 20, timeoutMs: 100 }, logger })
    // The server has answered a ping: from now on it is expected to.
    await new Promise<void>((resolve) => clientSocket.on('data', (c: Buffer) => { if (c.includes('$pong')) resolve() }))
    const clientClosed = closed(client)
    serverSocket.pause() // the server process is "hung": it reads nothing and answers no ping
    const reason = await clientClosed
    expect(isProtocolError(reason, ErrorCodes.HEARTBEAT_TIMEOUT)).toBe(true)
  })

  it('keeps a healthy connection open: pongs count as life', async () => {
    const { client } = await pair({}, { heartbeat: { intervalMs: 20, timeoutMs: 100 } })
    await new Promise((r) => setTimeout(r, 400))
    expect(client.closed).toBe(false)
  })

  it('a passive heartbeat never pings, and times out a pinging peer that went silent', async () => {
    const seen: string[] = []
    const { server, clientSocket } = await pair({ heartbeat: { active: false, timeoutMs: 120 }, logger: recordingLogger() }, { heartbeat: { intervalMs: 20, timeoutMs: 10_000 } })
    clientSocket.on('data', (c: Buffer) => seen.push(c.toString()))
    await new Promise((r) => setTimeout(r, 100))
    expect(server.closed).toBe(false)
    expect(seen.join('')).not.toContain('$ping')
    const serverClosed = closed(server)
    // The client process "hangs": its socket stays open but nothing it writes leaves any more.
    clientSocket.cork()
    const reason = await serverClosed
    expect(isProtocolError(reason, ErrorCodes.HEARTBEAT_TIMEOUT)).toBe(true)
  })

  it('an active heartbeat never times out a plain duplex-emitter peer that never answers pings', async () => {
    const srv = await tcpServer((socket) => {
      const peer = duplexEmitter(socket)
      peer.emit('open', 1) // one event, then nothing: a door that does not change
    })
    cleanups.push(srv.close)
    const socket = await connect(srv.port)
    const client = new RemoteEmitter(socket, { heartbeat: { intervalMs: 20, timeoutMs: 60 } })
    cleanups.push(() => client.destroy())
    const seen: string[] = []
    srv.sockets[0]?.on('data', (c: Buffer) => seen.push(c.toString()))
    await nextEvent(client, 'open')
    // Many timeouts' worth of silence: the peer never said it would answer, so silence is not death.
    await new Promise((r) => setTimeout(r, 400))
    expect(client.closed).toBe(false)
    expect(seen.join('')).toContain('["$ping",')
  })

  it('a passive heartbeat never times out a plain client that never pings', async () => {
    const { server } = await pair({ heartbeat: { active: false, timeoutMs: 50 } })
    await new Promise((r) => setTimeout(r, 250))
    expect(server.closed).toBe(false)
  })
})

describe('RemoteEmitter hostile requests', () => {
  it('answers a handler that throws a value with a hostile toString, and keeps serving', async () => {
    const { server, client } = await pair({}, {})
    server.handle('boom', () => { throw { toString: 1 } }) // eslint-disable-line no-throw-literal
    server.handle('ok', () => 'fine')
    await expect(client.request('boom')).rejects.toMatchObject({ code: ErrorCodes.REMOTE_ERROR })
    expect(await client.request('ok')).toBe('fine')
  })
})

describe('RemoteEmitter outgoing queue', () => {
  it('drops a peer that floods pings and never reads the pongs (ERR_QUEUE_FULL), and nothing else', async () => {
    const logger = recordingLogger()
    const srv = await tcpServer()
    cleanups.push(srv.close)
    const server = new Promise<RemoteEmitter>((resolve) => srv.server.once('connection', (socket: net.Socket) => resolve(new RemoteEmitter(socket, { maxBufferedBytes: 64 * 1024, logger }))))
    const flooder = await connect(srv.port)
    flooder.pause() // never reads a pong
    const emitter = await server
    const serverClosed = closed(emitter)
    const ping = Buffer.from('["$ping",1]\n'.repeat(2000))
    let sent = 0
    // Bounded: at most 200 writes of 2,000 pings, stopping as soon as the server gave up on us.
    while (!emitter.closed && sent < 200) {
      if (!flooder.write(ping)) await new Promise((resolve) => { flooder.once('drain', resolve); setTimeout(resolve, 50) })
      sent++
    }
    const reason = await serverClosed
    expect(isProtocolError(reason, ErrorCodes.QUEUE_FULL)).toBe(true)
    expect(emitter.bufferedBytes).toBeLessThanOrEqual(64 * 1024 + 64 * 1024)
    expect(logger.entries.some((e) => e.fields.code === ErrorCodes.QUEUE_FULL)).toBe(true)
    flooder.destroy()
  })

  it('counts responses to requests against the same limit', async () => {
    const { server, clientSocket } = await pair({ maxBufferedBytes: 16 * 1024, logger: recordingLogger() })
    server.handle('big', () => 'x'.repeat(1024))
    clientSocket.pause()
    const serverClosed = closed(server)
    clientSocket.write(Array.from({ length: 5000 }, (_, i) => `["$req","${i}","big"]\n`).join(''))
    expect(isProtocolError(await serverClosed, ErrorCodes.QUEUE_FULL)).toBe(true)
  })
})

describe('RemoteEmitter telnet option', () => {
  it('strips IAC sequences, answers DO TIMING-MARK, and closes on IAC IP (telnet Ctrl-C)', async () => {
    const { server, clientSocket } = await pair({ telnet: true })
    const received: Buffer[] = []
    clientSocket.on('data', (c: Buffer) => received.push(c))
    const got = nextEvent<[number]>(server, 'hello')
    // ["hello",1] with a NOP in the middle of the frame and a subnegotiation before it.
    clientSocket.write(Buffer.concat([Buffer.from([255, 250, 24, 0, 65, 255, 240]), Buffer.from('["hel'), Buffer.from([255, 241]), Buffer.from('lo",1]\r\n')]))
    expect(await got).toEqual([1])
    const serverClosed = closed(server)
    clientSocket.write(Buffer.from([255, 244, 255, 253, 6]))
    await serverClosed
    await once(clientSocket, 'end')
    const bytes = Buffer.concat(received)
    // Our request for binary input (sent once the peer showed it is telnet) and the timing-mark answer.
    expect(bytes.includes(Buffer.from([255, 253, 0]))).toBe(true)
    expect(bytes.includes(Buffer.from([255, 251, 6]))).toBe(true)
  })
})
