import type { Duplex } from 'node:stream'
import type { AppLogger } from '@eventwire/protocol'
import { WebSocket, type RawData } from 'ws'
import type { ResumeFrom } from '../core/arrival.js'
import { ChatErrorCodes, type LeaveCode, type LeaveReason, type ServerEvent } from '../core/events.js'
import { LeaveReasons } from '../core/leave-reasons.js'
import type { Member, MemberTransport } from '../core/member.js'
import type { ChatRoom } from '../core/room.js'
import type { EncodeCache } from '../encode-cache.js'
import { guardInput } from '../guard-input.js'
import { ChatDropReasons, dropReasonOf, type ChatTransportStats, type MeteredSocket } from '../ops/transport-stats.js'
import { decodeClientMessage } from './client-message.js'

/** What every browser connection shares. */
export interface WsContext {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued on a browser's socket past which it counts as too slow. */
  maxQueueBytes: number
  /** One ready-made text frame per broadcast. */
  shared: EncodeCache<Buffer>
  stats: ChatTransportStats
}

/**
 * The WebSocket close code for each way of leaving, chosen by code, never by
 * reading the reason's text: 1000 normal, 1001 going away, 1008 policy
 * violation, 1011 internal error. (1009, a message over maxPayload, is ws's own.)
 */
export const CLOSE_CODES: Readonly<Record<LeaveCode, number>> = {
  QUIT: 1000,
  CLOSED: 1000,
  SHUTDOWN: 1001,
  INTERNAL_ERROR: 1011,
  FLOODING: 1008,
  TOO_SLOW: 1008,
  LINE_TOO_LONG: 1008,
  NO_ANSWER: 1008,
  IRC_CLIENT: 1008,
  KICKED: 1008
}

/** Close reasons are limited to 123 bytes by the protocol; a cut character becomes U+FFFD, still within it. */
const MAX_REASON_BYTES = 120

/** One browser tab: JSON frames in, the room's event objects out as JSON. */
export class WsConnection implements MemberTransport {
  readonly kind = 'ws'
  /** The page shows its own lines only when the room sends them back. */
  readonly echo = true
  readonly #ws: WebSocket
  /** The upgraded socket under #ws: room events are written to it as ready-made frames. */
  readonly #socket: Duplex
  readonly #ctx: WsContext
  readonly member: Member
  /** The guarded message handler: an exception in it fails this connection only. */
  readonly #onMessage: (data: RawData, isBinary: boolean) => void
  /** Why the server closed it, when that counts as a drop (metrics). */
  #drop: string | undefined

  constructor (ws: WebSocket, socket: Duplex, ctx: WsContext, resume?: ResumeFrom) {
    this.#ws = ws
    this.#socket = socket
    this.#ctx = ctx
    this.#onMessage = guardInput(this.#message, ctx, () => this.member, () => this.close(LeaveReasons.INTERNAL_ERROR, true))
    // The endpoint has given ws its 'error' listener and answers pings; this adds what the room needs.
    ws.on('message', this.#onMessage)
    ws.once('error', this.#onBadFrame)
    ws.once('close', this.#onClose)
    ctx.stats.opened(this.#metered)
    this.member = ctx.room.join(this, { resume })
  }

  send (event: ServerEvent): boolean {
    // Not OPEN: closing, and no data frame may follow a close frame.
    if (this.#ws.readyState !== WebSocket.OPEN) return true
    const socket = this.#socket
    if (socket.writableLength > this.#ctx.maxQueueBytes) return this.#ctx.stats.queueFull()
    // One JSON text frame per broadcast, shared by every browser. Written beside ws, not
    // through it: ws also writes each frame whole and at once (no compression, no Blobs
    // here), so frames never interleave, and its bufferedAmount still counts these bytes.
    socket.write(this.#ctx.shared.get(event))
    this.#ctx.stats.sent(event)
    return true
  }

  close (reason: LeaveReason, graceful: boolean): void {
    this.#drop ??= dropReasonOf(reason)
    if (!graceful) {
      this.#ws.terminate()
      return
    }
    // ws cuts the socket if the browser's close frame takes longer than closeGraceMs (the endpoint's closeTimeout).
    this.#ws.close(CLOSE_CODES[reason.code], Buffer.from(reason.text).subarray(0, MAX_REASON_BYTES).toString())
  }

  /** Called by the endpoint's heartbeat when this browser did not answer the last ping. */
  unresponsive (): void {
    this.#ctx.room.kick(this.member, LeaveReasons.NO_ANSWER, false)
  }

  /** The upgraded socket is a net.Socket (Duplex is all ws types it as): its byte counters and queue. */
  get #metered (): MeteredSocket {
    return this.#socket as unknown as MeteredSocket
  }

  readonly #message = (data: RawData, isBinary: boolean): void => {
    this.#ctx.stats.framesIn++
    const room = this.#ctx.room
    if (isBinary) {
      room.reject(this.member, ChatErrorCodes.BAD_REQUEST, 'binary frames are not supported; send JSON text')
      return
    }
    const decoded = decodeClientMessage(data.toString())
    if (decoded.ok) room.request(this.member, decoded.request)
    else room.reject(this.member, ChatErrorCodes.BAD_REQUEST, decoded.text)
  }

  /** ws emits 'error' (once) for a peer's bad frame or one over maxPayload, and closes the socket itself. */
  readonly #onBadFrame = (): void => {
    this.#drop ??= ChatDropReasons.BAD_INPUT
  }

  readonly #onClose = (): void => {
    this.#ws.off('message', this.#onMessage)
    this.#ws.off('error', this.#onBadFrame)
    this.#ctx.room.leave(this.member)
    this.#ctx.stats.closed(this.#metered, this.#drop)
  }
}
