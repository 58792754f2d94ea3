import { STATUS_CODES } from 'node:http'
import { STATUS_EXPLANATIONS } from './status-explanations.js'

/**
 * Reply lines, built once at start: the hot path is one Map lookup per request
 * line with no string building. Keys are the exact 3-digit request text.
 */
const REPLIES = new Map<string, string>()
/**
 * The same lines as bytes, one Buffer per code shared by every connection: the
 * lines hold an em dash, so encoding the string again for every reply takes
 * V8's slow two-byte UTF-8 path. Buffers written to sockets are only read.
 */
const REPLY_BYTES = new Map<string, Buffer>()
for (const [code, reason] of Object.entries(STATUS_CODES)) {
  if (reason === undefined || !/^\d{3}$/.test(code)) continue
  const explanation = STATUS_EXPLANATIONS[Number(code)] ?? 'No explanation is recorded for this code.'
  const reply = `Code ${code}: ${reason} — ${explanation}\n`
  REPLIES.set(code, reply)
  REPLY_BYTES.set(code, Buffer.from(reply, 'utf8'))
}

/** Longest slice of a bad line echoed back, so an error reply stays one short line. */
const ECHO_LIMIT = 40

/** Every status code the server answers with a `Code NNN:` line, ascending. */
export function knownStatusCodes (): number[] {
  return [...REPLIES.keys()].map(Number).sort((a, b) => a - b)
}

/**
 * The description line for a status code, without the trailing newline:
 * `Code 404: Not Found — The server has nothing at this URL, ...`.
 * Undefined for a code Node's `http.STATUS_CODES` does not know.
 */
export function describeStatus (code: number | string): string | undefined {
  const reply = REPLIES.get(String(code))
  return reply === undefined ? undefined : reply.slice(0, -1)
}

/**
 * The reply to one request line, newline included. Never throws: a known code
 * gets its description, anything else one `Error: ...` line (see the README for
 * the exact wording). Spaces and tabs around the code are forgiven, since people
 * type into telnet.
 */
export function replyFor (line: string): string {
  return REPLIES.get(line) ?? slowReply(line)
}

/** replyFor() as bytes: for a known code, the one Buffer built at start (never to be written into). */
export function replyBytesFor (line: string): Buffer {
  return REPLY_BYTES.get(line) ?? Buffer.from(slowReply(line), 'utf8')
}

function slowReply (line: string): string {
  const text = line.replace(/^[ \t]+|[ \t]+$/g, '')
  if (text !== line) {
    const hit = REPLIES.get(text)
    if (hit !== undefined) return hit
  }
  if (text === '') return 'Error: empty line; send a 3-digit status code such as 404\n'
  if (/^\d{3}$/.test(text)) return `Error: unknown status code ${text}\n`
  return `Error: expected a 3-digit status code, got ${echo(text)}\n`
}

/** JSON quoting keeps control characters (even a stray \r) out of the reply line. */
function echo (text: string): string {
  return text.length > ECHO_LIMIT ? JSON.stringify(text.slice(0, ECHO_LIMIT)).slice(0, -1) + '..."' : JSON.stringify(text)
}

/** The line sent before closing a connection whose line grew past the limit. */
export function tooLongReply (maxLineBytes: number): string {
  return `Error: line too long (more than ${maxLineBytes} bytes without a newline); closing the connection\n`
}

/** The line sent before closing an idle connection. */
export function idleReply (idleTimeoutMs: number): string {
  return `Error: idle for ${idleTimeoutMs} ms; closing the connection\n`
}

/** The line sent before closing a connection that sent no complete request in time. */
export function firstRequestReply (firstRequestTimeoutMs: number): string {
  return `Error: no request within ${firstRequestTimeoutMs} ms of connecting; closing the connection\n`
}

/** The line sent to a connection refused because its address already holds its share. */
export function tooManyFromAddressReply (maxPerAddress: number): string {
  return `Error: too many connections from your address (limit ${maxPerAddress}); try again later\n`
}

/** The line sent to a connection refused because the server is full. */
export function tooManyConnectionsReply (maxConnections: number): string {
  return `Error: too many connections (limit ${maxConnections}); try again later\n`
}

/**
 * The line a plain-text client (nc, telnet) on the TLS port reads before the
 * close: it cannot speak TLS by hand, so it is told which client can.
 */
export function tlsRequiredReply (): string {
  return 'Error: this port speaks TLS, not plain text; connect with a TLS client, e.g. openssl s_client -quiet -connect host:port\n'
}
