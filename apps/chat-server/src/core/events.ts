/**
 * Events the room sends to members, and requests members send to the room.
 * These objects are the WebSocket wire format as they stand (JSON.stringify),
 * and the TCP transport renders each as one or more text lines, so every field
 * here is part of the public contract: add fields, never rename them.
 */

/** A chat line to everyone (`/me` lines have type `action`). */
export interface MessageEvent {
  type: 'message' | 'action'
  from: string
  text: string
  /** Epoch milliseconds, set by the server. */
  ts: number
}

/** A `/msg`: delivered to its recipient and echoed to its sender. */
export interface PrivateEvent {
  type: 'private'
  from: string
  to: string
  text: string
  ts: number
}

/** Sent once to a member who has just joined. */
export interface WelcomeEvent {
  type: 'welcome'
  id: string
  nick: string
  /** Members in the room, including this one. */
  online: number
  text: string
}

/** Replayed messages, oldest first, sent right after `welcome`. Absent when there are none. */
export interface HistoryEvent {
  type: 'history'
  messages: MessageEvent[]
}

export interface JoinEvent {
  type: 'join'
  nick: string
  ts: number
}

export interface LeaveEvent {
  type: 'leave'
  nick: string
  /** Why: `quit`, `quit: <message>`, `connection closed`, `flooding`, `too slow ...`, `line too long`. */
  reason: string
  ts: number
}

/** A nickname change, sent to everyone including the member who changed it. */
export interface NickEvent {
  type: 'nick'
  from: string
  to: string
  ts: number
}

/** Answer to `/who`: nicknames in the room, in join order. */
export interface WhoEvent {
  type: 'who'
  nicks: string[]
}

/** Stable error codes: clients switch on `code`, never on `text`. */
export const ChatErrorCodes = {
  UNKNOWN_COMMAND: 'UNKNOWN_COMMAND',
  BAD_COMMAND: 'BAD_COMMAND',
  BAD_NICK: 'BAD_NICK',
  NICK_TAKEN: 'NICK_TAKEN',
  NO_SUCH_NICK: 'NO_SUCH_NICK',
  MESSAGE_TOO_LONG: 'MESSAGE_TOO_LONG',
  RATE_LIMITED: 'RATE_LIMITED',
  BAD_REQUEST: 'BAD_REQUEST',
  LINE_TOO_LONG: 'LINE_TOO_LONG',
  /** The server failed on this member's input (a bug, not the member's fault); the member is disconnected. */
  INTERNAL_ERROR: 'INTERNAL_ERROR'
} as const

export type ChatErrorCode = (typeof ChatErrorCodes)[keyof typeof ChatErrorCodes]

/** Something the sender did wrong; goes to that member only. */
export interface ErrorEvent {
  type: 'error'
  code: ChatErrorCode
  text: string
}

/** Server notices: `/help` text, shutdown, the reason for a disconnect. May contain `\n`. */
export interface SystemEvent {
  type: 'system'
  text: string
}

export type ServerEvent =
  | MessageEvent
  | PrivateEvent
  | WelcomeEvent
  | HistoryEvent
  | JoinEvent
  | LeaveEvent
  | NickEvent
  | WhoEvent
  | ErrorEvent
  | SystemEvent

/** What a member can ask of the room, whatever the transport. */
export type ChatRequest =
  | { type: 'message', text: string }
  | { type: 'action', text: string }
  | { type: 'nick', nick: string }
  | { type: 'who' }
  | { type: 'msg', to: string, text: string }
  | { type: 'quit', text?: string }
  | { type: 'help' }
