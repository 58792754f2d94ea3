import net from 'node:net'
import { once } from 'node:events'
import { afterEach } from 'vitest'
import { createStatusServer, type StatusServer, type StatusServerOptions } from '@eventwire/status-server'
import { createBridge, type Bridge, type BridgeOptions } from '../src/index.js'

const cleanups: Array<{ fn: () => Promise<unknown> | unknown, label: string }> = []

afterEach(async () => {
  for (const { fn, label } of cleanups.splice(0).reverse()) {
    // A clean-up should take well under a second; if one hangs, say which before the hook times out.
    const slow = setTimeout(() => console.error(`clean-up still running after 5 s: ${label}`), 5000)
    try {
      await fn()
    } finally {
      clearTimeout(slow)
    }
  }
})

export function onCleanup (fn: () => Promise<unknown> | unknown, label = fn.toString().slice(0, 80)): void {
  cleanups.push({ fn, label })
}

/** A real status-server on port 0 (or the given port, to restart one). */
export async function startStatus (port = 0, options: StatusServerOptions = {}): Promise<{ status: StatusServer, port: number }> {
  const status = createStatusServer(options)
  onCleanup(() => status.destroy())
  const address = await status.listen({ port })
  return { status, port: address.port }
}

/** A bridge listening on port 0, its base URL, closed after the test. */
export async function startBridge (options: Partial<BridgeOptions> & { statusPort: number }, waitForUpstream = true): Promise<{ bridge: Bridge, url: string }> {
  const bridge = createBridge({ statusHost: '127.0.0.1', ...options })
  onCleanup(() => bridge.close())
  const address = await bridge.listen({ port: 0 })
  if (waitForUpstream) await bridge.waitForUpstream()
  return { bridge, url: `http://127.0.0.1:${address.port}` }
}

export interface RawUpstream {
  port: number
  /** Every byte received from every connection, in arrival order. */
  received: () => string
  sockets: net.Socket[]
  server: net.Server
}

/**
 * A bare TCP server standing in for status-server, to see exactly what the
 * bridge writes and to misbehave on purpose. `onData` decides what to answer.
 */
export async function rawUpstream (onData: (chunk: string, socket: net.Socket) => void = () => {}): Promise<RawUpstream> {
  const chunks: string[] = []
  const sockets: net.Socket[] = []
  const server = net.createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk.toString('latin1'))
      onData(chunk.toString('latin1'), socket)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onCleanup(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return { port: (server.address() as net.AddressInfo).port, received: () => chunks.join(''), sockets, server }
}

export interface Got {
  status: number
  headers: Headers
  body: string
  ms: number
}

/** GET over real HTTP (undici via global fetch); a hang fails after timeoutMs instead of stalling the suite. */
export async function get (url: string, timeoutMs = 5000): Promise<Got> {
  const started = performance.now()
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  const body = await res.text()
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started }
}
