import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../src/index.js'
import { afterEach } from 'vitest'
import { createRequire } from 'node:module'
import { RemoteEmitter } from '../src/index.js'

const requireCjs = createRequire(import.meta.url)
/** The real npm duplex-emitter, the package our wire format is compatible with. */
export const duplexEmitter = requireCjs('duplex-emitter') as (stream: net.Socket) => {
  on: (event: string, fn: (...args: any[]) => void) => void
  emit: (event: string, ...args: unknown[]) => void
}

/** Run after each test, last registered first. */
export const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A server whose connections are wrapped in RemoteEmitters, and one connected client. */
export async function pair (serverOptions = {}, clientOptions = {}): Promise<{ server: RemoteEmitter, client: RemoteEmitter, serverSocket: net.Socket, clientSocket: net.Socket }> {
  let resolveServer!: (r: RemoteEmitter) => void
  const serverReady = new Promise<RemoteEmitter>((resolve) => { resolveServer = resolve })
  const srv = await tcpServer((socket) => resolveServer(new RemoteEmitter(socket, serverOptions)))
  cleanups.push(srv.close)
  const clientSocket = await connect(srv.port)
  const client = new RemoteEmitter(clientSocket, clientOptions)
  cleanups.push(() => client.destroy())
  const server = await serverReady
  return { server, client, serverSocket: srv.sockets[0] as net.Socket, clientSocket }
}

export function nextEvent<T extends unknown[]> (emitter: RemoteEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T)))
}

export function closed (emitter: RemoteEmitter): Promise<Error | null> {
  return new Promise((resolve) => emitter.onClose(resolve))
}

/** A TCP server on 127.0.0.1:0 whose accepted sockets are handed to the test. */
export async function tcpServer (onConnection: (socket: net.Socket) => void = () => {}): Promise<{ server: net.Server, port: number, sockets: net.Socket[], close: () => Promise<void> }> {
  const sockets: net.Socket[] = []
  const server = net.createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    onConnection(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { server, port, sockets, close }
}

/** Connects and resolves once connected; the socket already has an 'error' listener. */
export async function connect (port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

/** A logger that records what it was asked to log. */
export function recordingLogger (): Logger & { entries: Array<{ fields: Record<string, unknown>, message: string }> } {
  const entries: Array<{ fields: Record<string, unknown>, message: string }> = []
  return { entries, warn (fields, message) { entries.push({ fields, message }) } }
}
