import net from 'node:net'
import { once } from 'node:events'
import { RemoteEmitter, silentLogger } from '@eventwire/protocol'
// @ts-expect-error duplex-emitter ships no types
import duplexEmitter from 'duplex-emitter'
import { io } from 'socket.io-client'
import { byHand, main, on, params, send } from './_ipc.js'
import { ioConnected, payload } from './_peers.js'
import { percentile } from '../harness/stats.js'

interface Params { contender: string, port: number, maxRequests: number, warmup: number }

/**
 * The limit: one unframed write of a fixed buffer the size of a request frame,
 * done when as many bytes have come back. No encode, no parse, no ids; the
 * reply says which request it answers only by coming after it.
 */
function rawEcho (sock: net.Socket): (i: number) => Promise<unknown> {
  const message = Buffer.from(JSON.stringify(['$req', '1000000000' + (5000).toString(36), 'echo', payload(5000)]) + '\n')
  let owed = 0
  let done: (() => void) | null = null
  sock.on('data', (chunk: Buffer) => {
    owed -= chunk.length
    if (owed <= 0 && done !== null) { const d = done; done = null; d() }
  })
  return async (i) => {
    await new Promise<void>((resolve) => { owed = message.length; done = resolve; sock.write(message) })
    return { seq: i }
  }
}

/**
 * One request at a time; each latency from send to reply, in microseconds.
 * After its warm-up the job says 'ready' and then runs turns when told
 * ('turn' with a count), so that the parent can interleave the contenders'
 * turns; 'report' gives p50/p99 over every timed request of every turn.
 */
main(async () => {
  const p = params<Params>()
  let call: (i: number) => Promise<unknown>
  if (p.contender === 'socket.io') {
    const s = io(`http://127.0.0.1:${p.port}`, { transports: ['websocket'] })
    await ioConnected(s)
    call = async (i) => await s.timeout(10_000).emitWithAck('echo', payload(i))
  } else {
    const sock = net.connect(p.port, '127.0.0.1')
    sock.on('error', () => {})
    await once(sock, 'connect')
    if (p.contender === 'request()') {
      const em = new RemoteEmitter(sock, { logger: silentLogger })
      call = async (i) => await em.request('echo', [payload(i)])
    } else if (p.contender === 'raw net') {
      call = rawEcho(sock)
    } else {
      // The classic duplex-emitter pattern: a ping with an id, the pong carries it back.
      const de = duplexEmitter(sock)
      let waiting: { id: number, resolve: (x: unknown) => void } | null = null
      de.on('pong', (id: number, body: unknown) => {
        if (waiting !== null && waiting.id === id) { const w = waiting; waiting = null; w.resolve(body) }
      })
      call = async (i) => await new Promise((resolve) => { waiting = { id: i, resolve }; de.emit('ping', i, payload(i)) })
    }
  }
  for (let i = 0; i < p.warmup; i++) await call(i)
  const lat = new Float64Array(p.maxRequests)
  let n = 0
  const turn = async (requests: number): Promise<number> => {
    const count = Math.min(requests, lat.length - n)
    for (let k = 0; k < count; k++) {
      const i = p.warmup + n
      const t0 = process.hrtime.bigint()
      const reply = await call(i) as { seq?: number }
      lat[n++] = Number(process.hrtime.bigint() - t0) / 1000
      if (reply?.seq !== i) throw new Error(`wrong reply for request ${i}`)
    }
    return count
  }
  const report = (): void => {
    const sorted = Array.from(lat.subarray(0, n)).sort((a, b) => a - b)
    send({ type: 'result', requests: n, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: sorted.reduce((a, b) => a + b, 0) / n })
  }
  if (byHand()) {
    await turn(p.maxRequests)
    report()
    process.exit(0)
  }
  on('turn', async (msg) => { send({ type: 'turned', count: await turn(Number(msg.requests)) }) })
  on('report', report)
  send({ type: 'ready' })
})
