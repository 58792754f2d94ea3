import net from 'node:net'
import { once } from 'node:events'

export interface SlowClientsResult {
  /** Connections the server closed while they were still sending headers, or had sent nothing. */
  closed: number
  /** Whether any of them got a successful (2xx/101) answer: a slow client must never be served. */
  served: boolean
}

/**
 * What a slowloris attack does to an HTTP port, bounded: `count` connections
 * that send a request's headers one byte every `dripMs` (never finishing them)
 * plus `idle` connections that send nothing at all. Resolves once the server
 * has closed every one of them, or rejects after `timeoutMs` saying how many
 * were still open.
 */
export async function slowClients (port: number, options: { count?: number, idle?: number, dripMs?: number, timeoutMs?: number, path?: string } = {}): Promise<SlowClientsResult> {
  const { count = 5, idle = 5, dripMs = 50, timeoutMs = 15_000, path = '/' } = options
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Padding: ${'a'.repeat(4096)}`
  const sockets = await Promise.all(Array.from({ length: count + idle }, async () => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')
    return socket
  }))
  let served = false
  const timers: NodeJS.Timeout[] = []
  sockets.forEach((socket, i) => {
    socket.on('data', (chunk: Buffer) => { if (/^HTTP\/1\.1 (2\d\d|101)/.test(chunk.toString('latin1'))) served = true })
    if (i >= count) return
    let sent = 0
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= request.length) return
      socket.write(request[sent++] as string)
    }, dripMs)
    timers.push(timer)
  })
  try {
    const all = Promise.all(sockets.map(async (s) => { if (!s.closed) await once(s, 'close') }))
    const late = new Promise<never>((_resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${sockets.filter((s) => !s.closed).length} of ${sockets.length} slow connections still open after ${timeoutMs} ms`)), timeoutMs)
      timers.push(t)
    })
    await Promise.race([all, late])
    return { closed: sockets.length, served }
  } finally {
    for (const t of timers) { clearInterval(t); clearTimeout(t) }
    for (const s of sockets) s.destroy()
  }
}
