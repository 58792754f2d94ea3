/**
 * Events the room sends to members, and requests members send to the room.
 * These objects are the WebSocket wire format as they stand (JSON.stringify),
 * and the TCP transport renders each as one or more text lines, so every field
 * here is part of the public contract: add fields, never rename them.
 */

/**
 * Fields of every room-wide event (message, action, join, leave, nick): the
 * events every instance delivers from the room's one ordered log (RoomBus).
 */
interface RoomWide {
  /**
   * The member id (its `welcome.id`) of the author, or of the member who
   * joined, left or was renamed: a client tells its own lines by it.
   */
  fromId: string
  /** Position in the room's log, set by the bus: increases by one per room-wide event. */
  seq: number
}

/** A chat line to everyone (`/me` lines have type `action`); its author gets it too over WebSocket. */
export interface MessageEvent extends RoomWide {
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
  /**
   * The room log's epoch: a reconnecting client sends it back with the last
   * `seq` it saw (`/ws?since=SEQ&epoch=EPOCH`) to get exactly what it missed.
   */
  epoch: string
  /** The last `seq` of the room's log this member is counted from (what its history, or recovery, ends with). */
  seq: number
}

/** Replayed messages, oldest first, sent right after `welcome`. Absent when there are none. */
export interface HistoryEvent {
  type: 'history'
  messages: MessageEvent[]
}

export interface JoinEvent extends RoomWide {
  type: 'join'
  nick: string
  ts: number
}

export interface LeaveEvent extends RoomWide {
  type: 'leave'
  nick: string
  /** Why, for people: `quit`, `quit: <message>`, `connection closed`, `flooding`, `too slow ...`, `line too long`. */
  reason: string
  /** Why, for programs: see LeaveCodes. */
  code: LeaveCode
  ts: number
}

/** A nickname change, sent to everyone including the member who changed it. */
export interface NickEvent extends RoomWide {
  type: 'nick'
  from: string
  to: string
  ts: number
}

/**
 * Answer to `/who`: nicknames in the room, in join order. A room larger than
 * one page (the room's `whoPageSize`) answers one page at a time; then, and
 * only then, the three paging fields are present.
 */
export interface WhoEvent {
  type: 'who'
  /** The whole room, or the asked page of it. */
  nicks: string[]
  /** Paged answers: members in the room (cluster: on every instance). */
  total?: number
  /** Paged answers: which page this is, from 1 (past the last one: `nicks` is empty). */
  page?: number
  /** Paged answers: how many pages there are. */
  pages?: number
}

/**
 * Joins and leaves of a room past its `presenceDigestAbove` size, summed up
 * at most once per `presenceDigestMs` instead of one `join`/`leave` each (a
 * room of N filled by announced joins costs N²/2 lines). Made by each
 * instance from the joins and leaves its bus delivered, so it has no `seq`.
 */
export interface PresenceEvent {
  type: 'presence'
  /** Members who joined since the last digest. */
  joined: number
  left: number
  /** Their nicknames (as they joined), when few enough to list (see PRESENCE_NAMES); else empty. */
  joinedNicks: string[]
  leftNicks: string[]
  /** Members in the room now, as in `welcome` (cluster: every instance's). */
  online: number
  ts: number
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
  /** The room's log did not accept the event (a cluster bus that is down); nobody got it. */
  NOT_DELIVERED: 'NOT_DELIVERED',
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

/** Stable codes of the notices a program acts on (SystemEvent `code`). */
export const SystemCodes = {
  /** This server fell behind the room's log, or a recovery reached back too far: `missed` events you will not get. */
  MISSED: 'MISSED',
  /** The room's log was replaced (new `epoch`): positions from before are void; reload. History follows. */
  RESET: 'RESET',
  /** A reconnect got everything it missed: `recovered` events were replayed before this notice. */
  RECOVERED: 'RECOVERED',
  /** The cluster's Redis is unavailable: nothing you send reaches the room until it is back. */
  REDIS_DOWN: 'REDIS_DOWN',
  /** Redis is back after REDIS_DOWN. */
  REDIS_UP: 'REDIS_UP'
} as const

export type SystemCode = (typeof SystemCodes)[keyof typeof SystemCodes]

/** Server notices: `/help` text, shutdown, the reason for a disconnect. May contain `\n`. */
export interface SystemEvent {
  type: 'system'
  text: string
  /** Present on notices a program acts on (see SystemCodes); absent on plain notices. */
  code?: SystemCode
  /** MISSED: how many events of the log will not reach you. */
  missed?: number
  /** RECOVERED: how many events were replayed. */
  recovered?: number
  /** RESET: the log's new epoch. */
  epoch?: string
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
  | PresenceEvent
  | ErrorEvent
  | SystemEvent

/** The events the room publishes to its RoomBus and fans out from what the bus delivers. */
export type RoomEvent = MessageEvent | JoinEvent | LeaveEvent | NickEvent

/** A room-wide event before the bus has placed it in the log (no `seq` yet). */
export type RoomEventDraft = RoomEvent extends infer E ? (E extends RoomEvent ? Omit<E, 'seq'> : never) : never

/** Stable codes of the reasons a member leaves; WebSocket close codes are chosen from them. */
export const LeaveCodes = {
  /** `/quit`, or telnet's Ctrl-C. */
  QUIT: 'QUIT',
  /** The peer closed the connection. */
  CLOSED: 'CLOSED',
  FLOODING: 'FLOODING',
  /** The outgoing queue passed maxQueueBytes. */
  TOO_SLOW: 'TOO_SLOW',
  LINE_TOO_LONG: 'LINE_TOO_LONG',
  /** A browser that did not answer a WebSocket ping. */
  NO_ANSWER: 'NO_ANSWER',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  SHUTDOWN: 'SHUTDOWN',
  /** An IRC client on the plain-text port (never announced). */
  IRC_CLIENT: 'IRC_CLIENT',
  /** Disconnected by the operator or by code using the room (`room.kick`). */
  KICKED: 'KICKED'
} as const

export type LeaveCode = (typeof LeaveCodes)[keyof typeof LeaveCodes]

/** Why a member leaves: a code for programs, a text for people (the `leave` event's `reason`). */
export interface LeaveReason {
  readonly code: LeaveCode
  readonly text: string
}

/** What a member can ask of the room, whatever the transport. */
export type ChatRequest =
  | { type: 'message', text: string }
  | { type: 'action', text: string }
  | { type: 'nick', nick: string }
  /** `page`: from 1; absent: the first. */
  | { type: 'who', page?: number }
  | { type: 'msg', to: string, text: string }
  | { type: 'quit', text?: string }
  | { type: 'help' }
