import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/** Longest refusal text written to a client we are turning away: our reply is bounded too. */
const MAX_MESSAGE_BYTES = 512

/**
 * Answers an HTTP upgrade request we refuse (wrong path, bad origin, closing)
 * with a plain-text HTTP response, then closes the socket. The socket gets an
 * 'error' listener first: a client that resets mid-answer must not crash us.
 * `headers` adds to or replaces the defaults (a JSON body's Content-Type,
 * a 401's WWW-Authenticate); they are the server's own text, never the peer's.
 */
export function rejectUpgrade (socket: Duplex, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  socket.on('error', ignore)
  const body = Buffer.from(message).subarray(0, MAX_MESSAGE_BYTES)
  const reason = STATUS_CODES[status] ?? 'Error'
  // Names in lower case, so a caller's `Content-Type` replaces ours instead of doubling it.
  const fields: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
  for (const [name, value] of Object.entries(headers)) fields[name.toLowerCase()] = value
  Object.assign(fields, { connection: 'close', 'content-length': String(body.length) })
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body.toString()}`)
  // A client that never reads our answer must not hold the socket open.
  const timer = setTimeout(() => socket.destroy(), 1000)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}

function ignore (): void {}
