import { ErrorCodes, ProtocolError } from './errors.js'

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
