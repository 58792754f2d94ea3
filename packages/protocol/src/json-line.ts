import { ErrorCodes, ProtocolError } from './errors.js'

const EXCERPT_CHARS = 80

/** The first characters of an offending line, for error messages and logs. */
export function excerpt (line: string): string {
  return line.length > EXCERPT_CHARS ? line.slice(0, EXCERPT_CHARS) + '…' : line
}

/** Parses one line as JSON; returns a coded error instead of throwing so hot paths stay branch-only. */
export function parseJsonLine (line: string): { ok: true, value: unknown } | { ok: false, error: ProtocolError } {
  try {
    return { ok: true, value: JSON.parse(line) }
  } catch (err) {
    return {
      ok: false,
      error: new ProtocolError(
        ErrorCodes.INVALID_JSON,
        `invalid JSON frame starting ${JSON.stringify(excerpt(line))}: ${(err as Error).message}`,
        { line: excerpt(line) },
        { cause: err }
      )
    }
  }
}
