import { FailureCodes, type LookupFailure } from './failures.js'

/** What one reply line means for the request it answers. */
export interface ReplyProblem {
  readonly failure: LookupFailure
  /** Replies are out of step with requests: the connection must be reopened. */
  readonly resync: boolean
}

/** Longest slice of a bad reply quoted in a message. */
const QUOTE_LIMIT = 80

const quote = (line: string): string => JSON.stringify(line.slice(0, QUOTE_LIMIT))

/**
 * Judges the reply line to a request for `code`. Null means the line is the
 * answer: our status-server's `Code NNN:` line for that code, or, from a
 * server that answers its own way (`404 Not Found`), whatever single line it
 * sent. Only what cannot be this request's answer is a problem:
 *
 * - `Error: unknown status code ...` (ours): ERR_UNKNOWN_STATUS_CODE, the code does not exist;
 * - any other `Error:` line: ERR_UPSTREAM_ERROR, status-server refused or is closing;
 * - `Code MMM:` for another code, or an empty line: ERR_BAD_UPSTREAM_REPLY,
 *   replies and requests are out of step (the connection is reopened).
 */
export function judgeReply (line: string, code: string): ReplyProblem | null {
  // The hot path: our own server, answering this code. Character codes first, a few loads
  // (`Code ` last): no substring compared for the line that is nearly always the answer.
  if (code.length === 3 && line.charCodeAt(8) === 58 /* : */ && line.charCodeAt(5) === code.charCodeAt(0) &&
    line.charCodeAt(6) === code.charCodeAt(1) && line.charCodeAt(7) === code.charCodeAt(2) && line.startsWith('Code ')) return null
  if (line.startsWith('Code ')) {
    if (/^Code \d{3}:/.test(line)) return outOfStep(line, code, 'a reply for another code')
    return null
  }
  if (line.startsWith('Error: ')) {
    if (line.startsWith('Error: unknown status code')) {
      return { failure: { code: FailureCodes.UNKNOWN_STATUS_CODE, message: line }, resync: false }
    }
    return {
      failure: { code: FailureCodes.UPSTREAM_ERROR, message: `status-server answered ${code} with an error: ${quote(line)}` },
      resync: false
    }
  }
  if (line.trim() === '') return outOfStep(line, code, 'an empty line')
  return null
}

function outOfStep (line: string, code: string, what: string): ReplyProblem {
  return {
    failure: {
      code: FailureCodes.BAD_UPSTREAM_REPLY,
      message: `status-server answered ${quote(line)} to ${code}: ${what}, not a reply to it; reopening the connection`
    },
    resync: true
  }
}

/** True for exactly three ASCII digits: the only thing ever written upstream. */
export function isStatusCodeText (code: string): boolean {
  if (code.length !== 3) return false
  for (let i = 0; i < 3; i++) {
    const c = code.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** The 504 for a request that was on the wire and got no reply in time. */
export function timeoutFailure (timeoutMs: number): LookupFailure {
  return { code: FailureCodes.UPSTREAM_TIMEOUT, message: `status-server did not answer within ${timeoutMs} ms` }
}
