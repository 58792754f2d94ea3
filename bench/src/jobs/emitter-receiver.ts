import net from 'node:net'
import http from 'node:http'
import { RemoteEmitter, silentLogger } from '@eventwire/protocol'
// @ts-expect-error duplex-emitter ships no types
import duplexEmitter from 'duplex-emitter'
import { Server as IoServer } from 'socket.io'
import { main, params, send } from './_ipc.js'

interface Params { contender: string, events: number }

/** Counts events at the receiver; the rate runs from the first event to the last. */
main(async () => {
  const p = params<Params>()
  let n = 0
  let t0 = 0n
  const seen = (): void => {
    if (n === 0) t0 = process.hrtime.bigint()
    if (++n === p.events) {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      send({ type: 'result', events: n, ms })
    }
  }
  if (p.contender === 'socket.io') {
    const server = http.createServer()
    const io = new IoServer(server, { transports: ['websocket'], maxHttpBufferSize: 1e6 })
    io.on('connection', (s) => { s.on('msg', seen) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    send({ type: 'ready', port: (server.address() as net.AddressInfo).port })
    return
  }
  const server = net.createServer((sock) => {
    sock.on('error', () => {})
    switch (p.contender) {
      case 'RemoteEmitter':
        new RemoteEmitter(sock, { logger: silentLogger }).on('msg', seen)
        break
      case 'duplex-emitter':
        duplexEmitter(sock).on('msg', seen)
        break
      case 'raw-net': {
        // The limit: count newlines, parse nothing.
        sock.on('data', (chunk: Buffer) => {
          let i = -1
          while ((i = chunk.indexOf(10, i + 1)) !== -1) seen()
        })
        break
      }
      default: throw new Error(`unknown contender ${p.contender}`)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  send({ type: 'ready', port: (server.address() as net.AddressInfo).port })
})
