import { ErrorCodes, ProtocolError } from './errors.js'
import { excerpt, parseJsonLine } from './json-line.js'

/**
 * Encodes one value as a frame: its JSON text and a `\n`.
 * JSON text never contains a raw newline (JSON.stringify escapes them), so a
 * frame is always exactly one line and user data cannot inject a second frame.
 * Throws ERR_UNENCODABLE for values JSON cannot carry.
 */
export function encodeFrame (value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw new ProtocolError(ErrorCodes.UNENCODABLE, `cannot encode frame: ${(err as Error).message}`, {}, { cause: err })
  }
  if (text === undefined) {
    throw new ProtocolError(ErrorCodes.UNENCODABLE, `cannot encode frame: ${typeof value} has no JSON form`)
  }
  return text + '\n'
}

/** Encodes a remote-emitter event: `["event",...args]\n`, the duplex-emitter wire format. */
export function encodeEvent (event: string, args: readonly unknown[]): string {
  return encodeFrame([event, ...args])
}

/** A valid event frame: the event name, then its arguments. */
export type Frame = [event: string, ...args: unknown[]]

function invalid (message: string, line: string): ProtocolError {
  return new ProtocolError(ErrorCodes.INVALID_FRAME, message, { line: excerpt(line) })
}

/**
 * Decodes and validates one line before anything is dispatched (as
 * socket.io-parser's isPacketValid does): the frame, a coded error
 * (ERR_INVALID_JSON, ERR_INVALID_FRAME), or null for a blank line, which
 * carries nothing. Pure and never throws, whatever the line holds. Extension
 * frames are checked for their shape too: `["$req", id, method, ...]` and
 * `["$res", id, error, value]` need string ids (and a string method).
 */
export function decodeFrame (line: string): Frame | ProtocolError | null {
  if (line === '') return null
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    // The slow path builds the coded error; the hot path stays a bare parse.
    return (parseJsonLine(line) as { error: ProtocolError }).error
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string') {
    return invalid(`frame must be a JSON array starting with an event name, got ${JSON.stringify(excerpt(line))}`, line)
  }
  const event = value[0]
  if (event.charCodeAt(0) === 36 /* $ */) {
    if (event === '$req' && (typeof value[1] !== 'string' || typeof value[2] !== 'string')) {
      return invalid('request frame must be ["$req", id, method, ...args]', line)
    }
    if (event === '$res' && typeof value[1] !== 'string') {
      return invalid('response frame must be ["$res", id, error, value]', line)
    }
  }
  return value as Frame
}
