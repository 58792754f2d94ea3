import type http from 'node:http'
import type { Socket } from 'node:net'

interface Watched {
  /** bytesRead + bytesWritten at the last look. */
  activity: number
  /** When that total last changed (epoch ms). */
  since: number
}

/** How often the sweep looks: a tenth of the timeout, within 25 ms..1 s; a connection is closed at most this late. */
export function idleSweepPeriodMs (idleMs: number): number {
  return Math.max(25, Math.min(1000, Math.floor(idleMs / 10)))
}

/**
 * Closes a server's connections on which no byte has moved either way for
 * `idleMs` (as `server.setTimeout(idleMs)` does), with one sweep timer for all
 * of them instead of a timer per socket. Node refreshes a socket's timeout on
 * every read and write, and an HTTP server re-arms it on every request (a new
 * Timeout each time, since the keep-alive timeout replaces it between
 * requests): per request, that is most of what a bridge lookup costs beyond
 * plain fastify. The sweep compares each socket's byte counters with the last
 * look; a connection costs a Map entry and a 'close' listener.
 *
 * `secure`: watch the TLS sockets (from the handshake on, as Node's own
 * timeout does). A socket handed to an 'upgrade' listener (a WebSocket) is no
 * longer watched: ws keeps its own liveness, as it did when it cleared the
 * socket timeout. The timer runs only while a connection is watched, and is unref'd.
 */
export function closeIdleSockets (server: http.Server, idleMs: number, secure: boolean): void {
  const watched = new Map<Socket, Watched>()
  const periodMs = idleSweepPeriodMs(idleMs)
  let timer: NodeJS.Timeout | null = null

  const sweep = (): void => {
    const now = Date.now()
    for (const [socket, w] of watched) {
      const activity = socket.bytesRead + socket.bytesWritten
      if (activity !== w.activity) {
        w.activity = activity
        w.since = now
      } else if (now - w.since >= idleMs) {
        forget(socket)
        socket.destroy()
      }
    }
  }
  const forget = (socket: Socket): void => {
    if (!watched.delete(socket) || watched.size > 0 || timer === null) return
    clearInterval(timer)
    timer = null
  }
  const watch = (socket: Socket): void => {
    watched.set(socket, { activity: socket.bytesRead + socket.bytesWritten, since: Date.now() })
    socket.once('close', () => forget(socket))
    if (timer === null) {
      timer = setInterval(sweep, periodMs)
      timer.unref()
    }
  }
  server.on(secure ? 'secureConnection' : 'connection', watch)
  // Before ws's own listener takes the socket.
  server.prependListener('upgrade', (_request: http.IncomingMessage, socket: Socket) => forget(socket))
}
