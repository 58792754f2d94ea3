import { LineClient } from '@eventwire/testkit'
import { createChatServer, type ChatServer, type ChatServerOptions } from '../src/index.js'

export interface IrcStarted {
  server: ChatServer
  tcpPort: number
  webPort: number
  ircPort: number
}

/** A real server with all three ports on 127.0.0.1, chosen by the OS. */
export async function startIrcServer (options: ChatServerOptions = {}): Promise<IrcStarted> {
  const server = createChatServer(options)
  const { tcp, web, irc } = await server.listen({ port: 0, webPort: 0, ircPort: 0, host: '127.0.0.1' })
  return { server, tcpPort: tcp.port, webPort: web.port, ircPort: (irc as { port: number }).port }
}

/**
 * A raw IRC connection (LineClient: lines without their `\r\n`) that also
 * keeps every byte received, for the byte-level assertions.
 */
export async function rawIrc (port: number, clients: LineClient[]): Promise<LineClient & { raw: () => Buffer }> {
  const client = await LineClient.connect(port)
  clients.push(client)
  const chunks: Buffer[] = []
  client.socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  return Object.assign(client, { raw: () => Buffer.concat(chunks) })
}

/** Registers without CAP and reads through the end of NAMES (366). */
export async function ircJoin (port: number, nick: string, clients: LineClient[]): Promise<LineClient & { raw: () => Buffer }> {
  const client = await rawIrc(port, clients)
  client.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`)
  await client.waitFor(/^:eventwire 366 /)
  return client
}
