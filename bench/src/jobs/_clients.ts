import net from 'node:net'
import { WebSocket } from 'ws'
import { io } from 'socket.io-client'
import { ioConnected } from './_peers.js'

/** A chat-like client of any contender: counts messages carrying a marker, sends text. */
export interface BenchClient {
  /** Resolves once the server has said something to us (welcome, state) or the transport is open. */
  ready: Promise<void>
  send: (text: string) => void
  close: () => void
  /** Stop reading (the server's writes then pile up in its queue); tcp and ws only. */
  pause: () => void
  resume: () => void
  /** Resolves when the connection is closed, by either side. */
  closed: Promise<void>
}

/**
 * chat-server's WebSocket route (a contract in its README). The app does not export it
 * yet, so it is written here once; the ws peer server accepts any path.
 */
const CHAT_WS_PATH = '/ws'

/** tcp-lines: ready at the server's first line (chat welcome); net-lines: ready at connect (a raw server says nothing first). */
export type Proto = 'tcp-lines' | 'net-lines' | 'ws-json' | 'socket.io' | 'tcp-silent'

export interface ConnectExtras {
  /** Source address (127.0.0.2, …): each gives ~28k ephemeral ports, so 100,000 clients need several. */
  localAddress?: string
  /** Told how many lines (TCP) or messages (WebSocket) each read brought, marked or not: the traffic a member receives. */
  onLines?: (n: number) => void
}

/**
 * `onMarked(text)` is called for every received message whose text contains `mark`;
 * the same substring test for every contender.
 */
export function connectClient (proto: Proto, port: number, mark: string, onMarked: (text: string) => void, extras: ConnectExtras = {}): BenchClient {
  const { localAddress, onLines } = extras
  if (proto === 'tcp-lines' || proto === 'net-lines' || proto === 'tcp-silent') {
    const sock = net.connect({ port, host: '127.0.0.1', noDelay: true, localAddress })
    sock.setEncoding('utf8')
    let first!: () => void
    let failed!: (e: Error) => void
    const ready = new Promise<void>((resolve, reject) => { first = resolve; failed = reject })
    sock.on('error', (e) => failed(e))
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()))
    if (proto !== 'tcp-lines') sock.once('connect', () => first())
    let rest = ''
    sock.on('data', (text: string) => {
      first()
      if (onLines !== undefined) onLines(countLines(text))
      if (!text.includes(mark) && !rest.includes(mark)) {
        // Most traffic in a storm of joins is unmarked: only the unfinished tail matters.
        const lf = text.lastIndexOf('\n')
        rest = lf === -1 ? rest + text : text.slice(lf + 1)
        return
      }
      const lines = (rest + text).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.includes(mark)) onMarked(line)
    })
    return { ready, send: (t) => { sock.write(t + '\n') }, close: () => sock.destroy(), pause: () => sock.pause(), resume: () => sock.resume(), closed }
  }
  if (proto === 'ws-json') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${CHAT_WS_PATH}`, { localAddress })
    const ready = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    ws.on('error', () => {})
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()))
    ws.on('message', (data) => {
      onLines?.(1)
      const text = data.toString()
      if (text.includes(mark)) onMarked(text)
    })
    return { ready, send: (t) => ws.send(JSON.stringify({ type: 'message', text: t })), close: () => ws.terminate(), pause: () => ws.pause(), resume: () => ws.resume(), closed }
  }
  const s = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false })
  s.on('message', (m: { text?: string }) => {
    if (typeof m?.text === 'string' && m.text.includes(mark)) onMarked(m.text)
  })
  const notSupported = (): never => { throw new Error('socket.io clients cannot stop reading') }
  const closed = new Promise<void>((resolve) => s.once('disconnect', () => resolve()))
  return { ready: ioConnected(s), send: (t) => { s.emit('message', { text: t }) }, close: () => { s.disconnect() }, pause: notSupported, resume: notSupported, closed }
}

function countLines (text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

/** Connects n clients, at most `batch` handshakes in flight at once. */
export async function connectMany (n: number, batch: number, make: (i: number) => BenchClient): Promise<BenchClient[]> {
  const out: BenchClient[] = []
  for (let i = 0; i < n; i += batch) {
    const group: BenchClient[] = []
    for (let j = i; j < Math.min(n, i + batch); j++) group.push(make(j))
    await Promise.all(group.map(async (c) => await c.ready))
    out.push(...group)
  }
  return out
}
