import { LineClient } from '@eventwire/testkit'
import { createChatServer, type ChatServer, type ChatServerOptions } from '../src/index.js'

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
  const welcome = await client.waitFor(/^\* Welcome/)
  const guest = /chat, (guest-[a-z0-9]{4})!/.exec(welcome)?.[1]
  if (guest === undefined) throw new Error(`unexpected welcome ${welcome}`)
  client.send(`/nick ${nick}`)
  await client.waitFor(`* ${guest} is now known as ${nick}`)
  return client
}
