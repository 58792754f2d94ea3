import type { HeartbeatOptions } from './heartbeat.js'
import type { Logger } from './logger.js'

/** Event name → listener signature. Separate maps type what we receive and what we send. */
export type EventMap = { [event: string]: (...args: any[]) => void }

/**
 * The emitter's own events; their names can never travel on the wire. Only
 * 'error' shares the event namespace (as in duplex-emitter): the end of the
 * connection is reported through onClose(), so peers stay free to send events
 * such as `["close", at]` (the door protocol does).
 */
export interface RemoteEmitterLifecycle {
  /** A coded ProtocolError (bad frame, heartbeat timeout) or the stream's own error. */
  error: (err: Error) => void
}

/** Called once when the connection is gone; `reason` is null after a clean close. */
export type CloseListener = (reason: Error | null) => void

/** Extension frames: the `$` prefix is reserved for them. */
export const ExtensionEvents = {
  PING: '$ping',
  PONG: '$pong',
  REQUEST: '$req',
  RESPONSE: '$res'
} as const

/** Names no peer can send or receive as an ordinary event. Names starting with `$` are reserved too. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['error', 'newListener', 'removeListener'])

/** True for names that may not be used as ordinary events. */
export function isReservedEvent (event: string): boolean {
  return RESERVED_EVENTS.has(event) || event.charCodeAt(0) === 36 /* $ */
}

export type RequestHandler = (...args: any[]) => unknown

export interface RequestOptions {
  /** Default: the emitter's `requestTimeoutMs`. */
  timeoutMs?: number
}

export interface RemoteEmitterOptions {
  /** Longest frame accepted from the peer, in bytes. Default 1 MiB. */
  maxLineBytes?: number
  /**
   * What a malformed frame from the peer (invalid JSON, not an array, no string
   * event name) does: 'close' (default) reports it and ends the connection;
   * 'ignore' reports it and goes on. An oversized frame always closes.
   */
  onBadFrame?: 'close' | 'ignore'
  /** Where dropped frames are logged. Default: stderr. */
  logger?: Logger
  /** Default timeout of `request()`. Default 10 s. */
  requestTimeoutMs?: number
  /** Requests waiting for a response at once; past it `request()` rejects. Default 1024. */
  maxPendingRequests?: number
  /** Dead-peer detection; off by default. */
  heartbeat?: HeartbeatOptions | false
  /**
   * Bytes queued on the stream (frames we sent, pongs and responses written on the
   * peer's behalf included) past which the peer counts as not reading: the
   * connection is destroyed with ERR_QUEUE_FULL. Default 1 MiB.
   */
  maxBufferedBytes?: number
  /**
   * Accept Debian's `telnet` as a client: IAC sequences are stripped from the
   * input (and answered), and telnet's Ctrl-C (IAC IP) closes the connection.
   * For servers whose port people may try by hand. Default false.
   */
  telnet?: boolean
}

/** 1 MiB of unsent frames: far above any healthy backlog, far below what a flood could cost. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024
