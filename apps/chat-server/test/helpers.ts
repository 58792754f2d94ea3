import { afterEach } from 'vitest'
import { LineClient } from '@eventwire/testkit'
import { createChatServer, type ChatServer, type ChatServerOptions } from '../src/index.js'
import type { WsClient } from './ws-client.js'

export interface Started {
  server: ChatServer
  tcpPort: number
  webPort: number
}

/** A real server on 127.0.0.1, ports chosen by the OS. */
export async function startServer (options: ChatServerOptions = {}): Promise<Started> {
  const server = createChatServer(options)
  const { tcp, web } = await server.listen({ port: 0, webPort: 0, host: '127.0.0.1' })
  return { server, tcpPort: tcp.port, webPort: web.port }
}

/** Connects a netcat-like client, reads the welcome, and renames it. */
export async function tcpJoin (port: number, nick: string, clients: LineClient[]): Promise<LineClient> {
  const client = await LineClient.connect(port)
  clients.push(client)
  return await takeNick(client, nick)
}

/** Reads the welcome and renames, as tcpJoin does, on a client already connected (and, with a token, authenticated). */
export async function takeNick (client: LineClient, nick: string): Promise<LineClient> {
  const welcome = await client.waitFor(/^\* Welcome/)
  const guest = /chat, (guest-[a-z0-9]{4})!/.exec(welcome)?.[1]
  if (guest === undefined) throw new Error(`unexpected welcome ${welcome}`)
  client.send(`/nick ${nick}`)
  await client.waitFor(`* ${guest} is now known as ${nick}`)
  return client
}

/** The connections a test opened: line clients (TCP, IRC) and WebSocket clients. */
export interface OpenedClients {
  readonly clients: LineClient[]
  readonly sockets: WsClient[]
}

/** What a test opened, closed after it: its connections, then the server it put in `started`. */
export interface Opened<S extends { server: ChatServer }> extends OpenedClients {
  started: S | undefined
}

/** Closes every connection in `opened` and empties its lists (the same arrays, kept for the next test). */
export async function closeClients (opened: OpenedClients): Promise<void> {
  await Promise.all([...opened.clients.splice(0).map(async (c) => await c.close()), ...opened.sockets.splice(0).map(async (s) => await s.close())])
}

/**
 * Call at a test file's top level: registers an afterEach that closes what
 * each test pushed to `clients` and `sockets`, then `started`'s server, and
 * forgets it. (vitest runs after-hooks last registered first: one a file
 * registers before this call runs after it.)
 */
export function openedInTest<S extends { server: ChatServer } = Started> (): Opened<S> {
  const opened: Opened<S> = { clients: [], sockets: [], started: undefined }
  afterEach(async () => {
    await closeClients(opened)
    await opened.started?.server.close()
    opened.started = undefined
  })
  return opened
}
