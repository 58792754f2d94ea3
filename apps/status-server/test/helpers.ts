import net from 'node:net'
import { once } from 'node:events'
import { afterEach } from 'vitest'
import { createStatusServer, type StatusServer, type StatusServerOptions } from '../src/index.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Registers cleanup at once, fastify-testing-guide style. */
export function onCleanup (fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn)
}

/** A status server on 127.0.0.1, port 0, closed after the test. */
export async function startStatusServer (options: StatusServerOptions = {}): Promise<{ status: StatusServer, port: number }> {
  const status = createStatusServer(options)
  onCleanup(() => status.destroy())
  const address = await status.listen({ port: 0 })
  return { status, port: address.port }
}

/** A raw socket, destroyed after the test. */
export async function rawConnect (port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  onCleanup(() => socket.destroy())
  await once(socket, 'connect')
  return socket
}

/** Every byte the socket receives until it closes. */
export function collectUntilClose (socket: net.Socket): Promise<string> {
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8'))))
}
