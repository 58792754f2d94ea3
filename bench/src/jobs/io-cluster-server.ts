import http from 'node:http'
import type net from 'node:net'
import { Redis } from 'ioredis'
import { Server as IoServer } from 'socket.io'
import { createAdapter as createPubSubAdapter } from '@socket.io/redis-adapter'
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter'
import { main, on, params, send } from './_ipc.js'

interface Params {
  /** `pubsub`: @socket.io/redis-adapter; `streams`: @socket.io/redis-streams-adapter. */
  adapter: 'pubsub' | 'streams'
  redisPort: number
}

/**
 * One socket.io instance of a two-instance cluster: the minimal server a user would write
 * from each adapter's README (ioredis clients with their defaults), relaying every message
 * `{from, text}` to every other socket of the cluster with `socket.broadcast.emit`.
 */
main(async () => {
  const p = params<Params>()
  const clients: Redis[] = []
  const redis = (): Redis => {
    const c = new Redis({ host: '127.0.0.1', port: p.redisPort })
    // ioredis emits 'error' on every failed reconnect while Redis is down: expected in the loss run.
    c.on('error', () => {})
    clients.push(c)
    return c
  }
  const pub = redis()
  let adapter
  if (p.adapter === 'pubsub') {
    const sub = pub.duplicate()
    sub.on('error', () => {})
    clients.push(sub)
    adapter = createPubSubAdapter(pub, sub)
  } else {
    adapter = createStreamsAdapter(pub)
  }
  const server = http.createServer()
  const io = new IoServer(server, { transports: ['websocket'], adapter })
  let seq = 0
  io.on('connection', (s) => {
    const from = `guest${++seq}`
    s.on('message', (m: { text?: unknown }) => {
      if (typeof m?.text === 'string') s.broadcast.emit('message', { from, text: m.text })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  on('stop', async () => {
    io.close()
    for (const c of clients) c.disconnect()
    process.exit(0)
  })
  send({ type: 'ready', web: (server.address() as net.AddressInfo).port })
})
