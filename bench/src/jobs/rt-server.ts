import net from 'node:net'
import http from 'node:http'
import { RemoteEmitter, silentLogger } from '@eventwire/protocol'
// @ts-expect-error duplex-emitter ships no types
import duplexEmitter from 'duplex-emitter'
import { Server as IoServer } from 'socket.io'
import { main, params, send } from './_ipc.js'

interface Params { contender: string }

/** Answers each request with its own payload: the same echo for every contender. */
main(async () => {
  const p = params<Params>()
  if (p.contender === 'socket.io') {
    const server = http.createServer()
    const io = new IoServer(server, { transports: ['websocket'] })
    io.on('connection', (s) => {
      s.on('echo', (body: unknown, ack: (x: unknown) => void) => ack(body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    send({ type: 'ready', port: (server.address() as net.AddressInfo).port })
    return
  }
  const server = net.createServer((sock) => {
    sock.on('error', () => {})
    if (p.contender === 'request()') {
      new RemoteEmitter(sock, { logger: silentLogger }).handle('echo', (body: unknown) => body)
    } else if (p.contender === 'duplex-emitter') {
      const de = duplexEmitter(sock)
      de.on('ping', (id: number, body: unknown) => de.emit('pong', id, body))
    } else if (p.contender === 'raw net') {
      // The limit: no framing, no parse, no encode; whatever arrives goes straight back.
      sock.on('data', (chunk: Buffer) => sock.write(chunk))
    } else throw new Error(`unknown contender ${p.contender}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  send({ type: 'ready', port: (server.address() as net.AddressInfo).port })
})
