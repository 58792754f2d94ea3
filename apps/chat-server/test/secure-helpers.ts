import net from 'node:net'
import tls from 'node:tls'
import { once } from 'node:events'
import WebSocket from 'ws'
import { LineClient } from '@eventwire/testkit'
import { WsClient } from './ws-client.js'

/** A line client over TLS that trusts `ca` (the test certificate), for the TCP and IRC ports. */
export async function tlsLineClient (port: number, ca: string, clients: LineClient[]): Promise<LineClient> {
  const socket = tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' })
  const client = new LineClient(socket)
  clients.push(client)
  await once(socket, 'secureConnect')
  return client
}

/** A plain line client (nc), for the refusals. */
export async function plainLineClient (port: number, clients: LineClient[]): Promise<LineClient> {
  const client = await LineClient.connect(port)
  clients.push(client)
  return client
}

/** Reads the welcome and renames, as tcpJoin does, on a client already connected (and authenticated). */
export async function takeNick (client: LineClient, nick: string): Promise<LineClient> {
  const welcome = await client.waitFor(/^\* Welcome/)
  const guest = /chat, (guest-[a-z0-9]{4})!/.exec(welcome)?.[1]
  if (guest === undefined) throw new Error(`unexpected welcome ${welcome}`)
  client.send(`/nick ${nick}`)
  await client.waitFor(`* ${guest} is now known as ${nick}`)
  return client
}

/** A `ws` client of `url` (ws:// or wss://), open. */
export async function wsClient (url: string, options: WebSocket.ClientOptions, sockets: WsClient[]): Promise<WsClient> {
  const client = new WsClient(new WebSocket(url, options))
  sockets.push(client)
  await once(client.ws, 'open')
  return client
}

export interface RefusedUpgrade {
  status: number | undefined
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Opens a WebSocket that the server is expected to refuse, and resolves with the HTTP answer it got instead. */
export async function refusedUpgrade (url: string, options: WebSocket.ClientOptions = {}): Promise<RefusedUpgrade> {
  return await new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    ws.on('error', () => {})
    ws.once('open', () => { ws.terminate(); reject(new Error(`${url} opened; expected a refusal`)) })
    ws.once('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => { body += chunk.toString() })
      response.on('end', () => { ws.terminate(); resolve({ status: response.statusCode, headers: response.headers, body }) })
    })
  })
}

/** Everything a raw TCP peer reads until the server closes (or `waitMs` passes), and how long it took. */
export async function plainExchange (port: number, send: string | null, waitMs = 6000): Promise<{ text: string, closed: boolean, ms: number }> {
  const started = Date.now()
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {})
  if (send !== null) socket.write(send)
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    once(socket, 'close').then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), waitMs) })
  ])
  clearTimeout(timer)
  socket.destroy()
  return { text, closed, ms: Date.now() - started }
}
