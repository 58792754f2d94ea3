import net from 'node:net'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { runDoorClient, type DoorClient } from '../src/index.js'

const require = createRequire(import.meta.url)
type DuplexEmitter = { on: (event: string, listener: (...args: unknown[]) => void) => void, emit: (event: string, ...args: unknown[]) => void }
const duplexEmitter = require('duplex-emitter') as (stream: net.Socket) => DuplexEmitter

let server: net.Server | null = null
const sockets = new Set<net.Socket>()
let client: DoorClient | null = null

afterEach(async () => {
  client?.stop()
  client = null
  for (const s of sockets) s.destroy()
  sockets.clear()
  if (server !== null) await new Promise((resolve) => server?.close(resolve))
  server = null
})

describe('door-client against a plain duplex-emitter door server (never answers $ping)', () => {
  it('keeps one healthy connection to a server that sends the state once and then nothing', async () => {
    let connections = 0
    let pingsReceived = 0
    server = net.createServer((socket) => {
      connections++
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => sockets.delete(socket))
      // The tutorial's server: duplex-emitter over the socket, one state, and a door that never changes.
      const remote = duplexEmitter(socket)
      remote.on('$ping', () => { pingsReceived++ }) // heard, never answered
      remote.emit('close', 42)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as net.AddressInfo).port

    const out: string[] = []
    const err: string[] = []
    client = runDoorClient({
      host: '127.0.0.1',
      port,
      seconds: 60,
      print: (line) => out.push(line),
      printError: (line) => err.push(line),
      heartbeat: { intervalMs: 50, timeoutMs: 150 }
    })
    await waitUntil(() => out.includes('door closed at 1970-01-01T00:00:00.042Z'), 'the state from the server')
    // Twenty unanswered pings are a full second of silence: more than six heartbeat timeouts.
    await waitUntil(() => pingsReceived >= 20, 'twenty pings at the server', 10_000)
    expect(out).toEqual(['connected', 'door closed at 1970-01-01T00:00:00.042Z'])
    expect(err).toEqual([])
    expect(connections).toBe(1)
    expect(client.reconnector.connected).toBe(true)
  })
})
