import net from 'node:net'
import http from 'node:http'
import { WebSocketServer, WebSocket } from 'ws'
import { Server as IoServer } from 'socket.io'
import { gc, main, on, params, rssBytes, send, youngGenerationBytes } from './_ipc.js'

interface Params {
  kind: 'chat' | 'door' | 'socket.io' | 'ws' | 'net'
  /** chat only: the app's default presence (a line per join, a digest a second past 200 members); false: a digest from the second member on. The peer servers announce nothing. */
  announce?: boolean
  /** chat only: per-member queue limit; the app's default when absent. */
  maxQueueBytes?: number
}

/**
 * A peer's name for its n-th connection, as long as chat-server's guest nicks
 * (`guest-` and four characters): every contender then relays the same bytes
 * per line, where `guest101` made raw net's lines 2 bytes shorter than chat's.
 */
function guestName (n: number): string {
  return `guest-${n.toString(36).padStart(4, '0')}`
}

/**
 * One server per process, so its RSS is its own. Peers get the minimal broadcast
 * server a user would write with them: keep every connection, relay each message
 * `{from, text}` to all the others, encoded once.
 */
async function startChat ({ announce = true, maxQueueBytes }: Params): Promise<Record<string, number>> {
  const { createChatServer } = await import('@eventwire/chat-server')
  // The room's flood protection would (rightly) throttle a benchmark sender; peers have none.
  // presenceDigestAbove 1: no line per join, at most one digest a second while clients connect and none
  // once they have, the closest to the peers, which send nothing (0 would mean a line per join).
  const chat = createChatServer({ rateLimit: { burst: 1e9, perSecond: 1e9 }, presenceDigestAbove: announce ? undefined : 1, maxQueueBytes })
  const { tcp, web } = await chat.listen({ port: 0, webPort: 0, host: '127.0.0.1' })
  on('stop', async () => { await chat.close(); process.exit(0) })
  return { tcp: tcp.port, web: web.port }
}

async function startDoor (): Promise<Record<string, number>> {
  const { createDoorServer, ManualSensor } = await import('@eventwire/door-server')
  const sensor = new ManualSensor()
  const door = createDoorServer({ sensor, offlineAfterMs: 0 })
  const { tcp } = await door.listen({ port: 0, webPort: 0, host: '127.0.0.1' })
  sensor.set('close')
  on('stop', async () => { await door.close(); process.exit(0) })
  return { tcp: tcp.port }
}

async function startSocketIo (): Promise<Record<string, number>> {
  const server = http.createServer()
  const io = new IoServer(server, { transports: ['websocket'] })
  let seq = 0
  io.on('connection', (s) => {
    const from = guestName(++seq)
    s.on('message', (m: { text: string }) => { s.broadcast.emit('message', { from, text: m.text }) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { web: (server.address() as net.AddressInfo).port }
}

async function startWs (): Promise<Record<string, number>> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  let seq = 0
  wss.on('connection', (ws) => {
    const from = guestName(++seq)
    ws.on('error', () => {})
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { text: string }
      const out = JSON.stringify({ type: 'message', from, text: m.text })
      for (const peer of wss.clients) if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(out)
    })
  })
  await new Promise<void>((resolve) => wss.on('listening', resolve))
  return { web: (wss.address() as net.AddressInfo).port }
}

async function startNet (): Promise<Record<string, number>> {
  const clients = new Set<net.Socket>()
  let seq = 0
  // noDelay, as ws, socket.io and chat-server set it: Nagle would only slow the limit down.
  const server = net.createServer({ noDelay: true }, (sock) => {
    const from = guestName(++seq)
    clients.add(sock)
    sock.setEncoding('utf8')
    sock.on('error', () => {})
    sock.on('close', () => clients.delete(sock))
    let rest = ''
    sock.on('data', (text: string) => {
      const lines = (rest + text).split('\n')
      rest = lines.pop() ?? ''
      if (lines.length === 0) return
      // The limit does the cheapest correct thing: every line of this chunk in one write per peer.
      let out = ''
      for (const line of lines) out += `<${from}> ${line}\n`
      for (const peer of clients) if (peer !== sock) peer.write(out)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { tcp: (server.address() as net.AddressInfo).port }
}

/** Each kind of broadcast server, started on a free port; resolves with its ports. */
const starters: Record<Params['kind'], (p: Params) => Promise<Record<string, number>>> = {
  chat: startChat,
  door: startDoor,
  'socket.io': startSocketIo,
  ws: startWs,
  net: startNet
}

async function start (p: Params): Promise<Record<string, number>> {
  return await starters[p.kind](p)
}

main(async () => {
  const p = params<Params>()
  // peakHeld: the highest RSS less V8's young generation at the same instant. The nursery
  // grows with the allocation rate (up to ~48 MiB here) and is scratch space, not what a
  // server holds on its peers' behalf; peak keeps the plain RSS peak beside it.
  let peak = rssBytes()
  let peakHeld = peak - youngGenerationBytes()
  const sampler = setInterval(() => {
    const rss = rssBytes()
    peak = Math.max(peak, rss)
    peakHeld = Math.max(peakHeld, rss - youngGenerationBytes())
  }, 100)
  sampler.unref()
  on('measure', async (msg) => {
    // Settle, collect, settle: RSS after GC is what idle connections really hold.
    // `settleMs` of 6 s or more lets V8 see a low allocation rate (it looks back ~5 s)
    // and shrink a young generation that a burst of connections had grown.
    const settleMs = typeof msg.settleMs === 'number' ? msg.settleMs : 200
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    gc()
    await new Promise((resolve) => setTimeout(resolve, 200))
    gc()
    const rss = rssBytes()
    // resetPeak: the next reading's peak covers only what happens from here on.
    const young = youngGenerationBytes()
    peak = msg.resetPeak === true ? rss : Math.max(peak, rss)
    peakHeld = msg.resetPeak === true ? rss - young : Math.max(peakHeld, rss - young)
    const { user, system } = process.cpuUsage()
    send({ type: 'measured', rss, peak, peakHeld, heapUsed: process.memoryUsage().heapUsed, young, cpuMs: (user + system) / 1000 })
  })
  // CPU so far without the GC passes of `measure`: for timing one piece of work (a broadcast).
  on('cpu', () => {
    const { user, system } = process.cpuUsage()
    send({ type: 'cpu', cpuMs: (user + system) / 1000 })
  })
  const ports = await start(p)
  send({ type: 'ready', ...ports })
})
