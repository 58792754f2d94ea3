import net from 'node:net'
import { once } from 'node:events'
import { RemoteEmitter, silentLogger } from '@eventwire/protocol'
// @ts-expect-error duplex-emitter ships no types
import duplexEmitter from 'duplex-emitter'
import { io } from 'socket.io-client'
import { main, params, send } from './_ipc.js'
import { engineDrained, ioConnected, payload, socketDrained, type EngineLike } from './_peers.js'

interface Params { contender: string, events: number, port: number }

/** Sends `events` events as fast as backpressure allows: stop when the transport says full, resume on drain. */
main(async () => {
  const p = params<Params>()
  if (p.contender === 'socket.io') {
    const s = io(`http://127.0.0.1:${p.port}`, { transports: ['websocket'] })
    await ioConnected(s)
    const engine = s.io.engine as unknown as EngineLike
    for (let i = 0; i < p.events; i++) {
      s.emit('msg', payload(i))
      await engineDrained(engine)
    }
    send({ type: 'sent' })
    return
  }
  const sock = net.connect(p.port, '127.0.0.1')
  sock.on('error', () => {})
  await once(sock, 'connect')
  switch (p.contender) {
    case 'RemoteEmitter': {
      const em = new RemoteEmitter(sock, { logger: silentLogger })
      for (let i = 0; i < p.events; i++) {
        if (!em.emit('msg', payload(i))) await em.drained()
      }
      break
    }
    case 'duplex-emitter': {
      // duplex-emitter's emit() returns nothing: read the socket's own write() verdict.
      const de = duplexEmitter(sock)
      for (let i = 0; i < p.events; i++) {
        de.emit('msg', payload(i))
        await socketDrained(sock)
      }
      break
    }
    case 'raw-net': {
      for (let i = 0; i < p.events; i++) {
        if (!sock.write(JSON.stringify(['msg', payload(i)]) + '\n')) await once(sock, 'drain')
      }
      break
    }
    default: throw new Error(`unknown contender ${p.contender}`)
  }
  send({ type: 'sent' })
})
