import net from 'node:net'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../src/index.js'

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
