import { LeaveCodes, type LeaveReason } from './events.js'

/**
 * The reasons members leave with. The text is what the others read in the
 * leave notice (a contract: clients show it); the code is what programs, and
 * the WebSocket close code, are chosen by.
 */
export const LeaveReasons = {
  QUIT: { code: LeaveCodes.QUIT, text: 'quit' },
  CLOSED: { code: LeaveCodes.CLOSED, text: 'connection closed' },
  FLOODING: { code: LeaveCodes.FLOODING, text: 'flooding' },
  TOO_SLOW: { code: LeaveCodes.TOO_SLOW, text: 'too slow: outgoing queue full' },
  LINE_TOO_LONG: { code: LeaveCodes.LINE_TOO_LONG, text: 'line too long' },
  NO_ANSWER: { code: LeaveCodes.NO_ANSWER, text: 'no answer to ping' },
  INTERNAL_ERROR: { code: LeaveCodes.INTERNAL_ERROR, text: 'internal error' },
  SHUTDOWN: { code: LeaveCodes.SHUTDOWN, text: 'server shutting down' },
  IRC_CLIENT: { code: LeaveCodes.IRC_CLIENT, text: 'irc client' }
} as const satisfies Record<string, LeaveReason>

/** `/quit` with its optional message: `quit`, or `quit: <message>`. */
export function quitReason (message = ''): LeaveReason {
  return message === '' ? LeaveReasons.QUIT : { code: LeaveCodes.QUIT, text: `quit: ${message}` }
}

/** An operator's (or embedding code's) own reason for disconnecting someone. */
export function kickReason (text: string): LeaveReason {
  return { code: LeaveCodes.KICKED, text }
}
