import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/** Longest refusal text written to a client we are turning away: our reply is bounded too. */
const MAX_MESSAGE_BYTES = 512

/**
 * Answers an HTTP upgrade request we refuse (wrong path, bad origin, closing)
 * with a plain-text HTTP response, then closes the socket. The socket gets an
 * 'error' listener first: a client that resets mid-answer must not crash us.
 */
export function rejectUpgrade (socket: Duplex, status: number, message: string): void {
  socket.on('error', ignore)
  const body = Buffer.from(message).subarray(0, MAX_MESSAGE_BYTES)
  const reason = STATUS_CODES[status] ?? 'Error'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body.toString()}`)
  // A client that never reads our answer must not hold the socket open.
  const timer = setTimeout(() => socket.destroy(), 1000)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}

function ignore (): void {}
