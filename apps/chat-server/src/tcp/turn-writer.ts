import type { ServerEvent } from '../core/events.js'
import type { ChatTransportStats } from '../ops/transport-stats.js'
import { formatLine } from './format.js'
import { TURN_FLUSH_BYTES, TurnBuffer, type TurnSocket, type TurnTarget } from './turn-buffer.js'

export type { TurnSocket, TurnTarget } from './turn-buffer.js'

/** A flush that writes to this many connections counts as big. */
const BIG_FLUSH_CONNECTIONS = 1000
/** The shortest time between big flushes: the most a line waits, in rooms this large only. */
const BIG_FLUSH_INTERVAL_MS = 10

export interface TurnWriterOptions {
  /** Bytes queued in user space for one connection (waiting here or refused by the kernel) before it counts as too slow. */
  maxQueueBytes: number
  stats: ChatTransportStats
}

/**
 * The TCP transport's output: every line for a reader until the end of this
 * event-loop turn (a chunk of messages, a burst of joins) leaves in one
 * socket.write of one Buffer, and when the readers got the same lines it is
 * the same Buffer for all (TurnBuffer), encoded once.
 *
 * Normally the flush runs at the end of the turn. Right after a big flush the
 * next one waits until BIG_FLUSH_INTERVAL_MS have passed since it: in a large
 * room under load (a storm of joins, a busy channel) each member then gets one
 * write per interval instead of one per event, which is what keeps 10,000
 * members' join notices from becoming 50 million syscalls.
 *
 * What waits here counts against a connection's queue limit together with what
 * its socket holds, and never grows past TURN_FLUSH_BYTES (plus one event):
 * past that it is written out, so a big batch is not taken for a slow reader;
 * only what the kernel refused keeps counting.
 */
export class TurnWriter {
  readonly #maxQueueBytes: number
  readonly #stats: ChatTransportStats
  #turn: TurnBuffer
  /** The other turn's storage, reused: a flush writes one while sends fill the other. */
  #spare: TurnBuffer
  #soon: NodeJS.Immediate | undefined
  #later: NodeJS.Timeout | undefined
  #bigFlushAt = -Infinity
  // The last event encoded for everyone, and where its line is in this turn: the room hands every
  // member of a fan-out the same object, so a broadcast is encoded once (as EncodeCache does).
  // Never an error event: those are counted by their code at each send (ChatTransportStats.sent).
  #event: ServerEvent | undefined
  #index = -1

  constructor (options: TurnWriterOptions) {
    this.#maxQueueBytes = options.maxQueueBytes
    this.#stats = options.stats
    this.#turn = new TurnBuffer(options.stats)
    this.#spare = new TurnBuffer(options.stats)
  }

  /**
   * MemberTransport.send for a TCP connection: queues the event's line for
   * this turn, or answers false (counted) when the connection's queue is past
   * its limit.
   */
  send (target: TurnTarget, socket: TurnSocket, event: ServerEvent): boolean {
    // The rest of a fan-out: the line is in this turn already and the reader has a slot. Neither the
    // socket nor the event is looked at: at 1,000 readers those reads (a cache miss on every socket)
    // cost more than all the rest of the fan-out did.
    const slot = target.turnSlot
    if (slot >= 0 && event === this.#event && this.#turn.addNext(slot, this.#index, this.#maxQueueBytes)) return true
    return this.#sendChecked(target, socket, event)
  }

  /** send() with the socket looked at: whether it still takes writes, and its queue. */
  #sendChecked (target: TurnTarget, socket: TurnSocket, event: ServerEvent): boolean {
    if (!socket.writable) return true // closing: the room learns from 'close'
    const turn = this.#turn
    let slot = target.turnSlot
    let waiting = 0
    if (slot >= 0) {
      waiting = turn.bytes(slot)
      if (waiting >= TURN_FLUSH_BYTES) {
        turn.writeSlot(slot)
        waiting = 0
      }
    }
    const queued = socket.writableLength
    if (queued + waiting > this.#maxQueueBytes) return this.#stats.queueFull()
    if (slot < 0) {
      slot = turn.open(target, socket, queued)
      this.#schedule()
    } else {
      turn.know(slot, queued)
    }
    if (event !== this.#event) {
      // Private lines read differently for sender and recipient; everything else is shared.
      if (event.type === 'private') {
        turn.addOwn(slot, Buffer.from(formatLine(event, target.member?.nick ?? '')))
        this.#stats.sent(event)
        return true
      }
      const index = turn.share(Buffer.from(formatLine(event, '')))
      if (event.type === 'error') {
        turn.addShared(slot, index)
        this.#stats.sent(event)
        return true
      }
      this.#event = event
      this.#index = index
    }
    turn.addShared(slot, this.#index)
    this.#stats.sent(event)
    return true
  }

  /**
   * Writes out what waits for this connection now. Call it before writing
   * anything straight to its socket (telnet answers, the line turning an IRC
   * client away) or ending it: its lines keep their order, and the queue check
   * reads the socket again.
   */
  flushNow (target: TurnTarget): void {
    const slot = target.turnSlot
    if (slot < 0) return
    this.#turn.writeSlot(slot)
    this.#turn.forget(slot)
  }

  /** Writes every connection's waiting output and clears the pending timer. */
  readonly flush = (): void => {
    clearImmediate(this.#soon)
    clearTimeout(this.#later)
    this.#soon = this.#later = undefined
    const turn = this.#turn
    if (turn.count === 0) return
    this.#turn = this.#spare
    this.#spare = turn
    // Its index is in the turn being written: the event is encoded again if it comes back.
    this.#event = undefined
    const big = turn.count >= BIG_FLUSH_CONNECTIONS
    turn.writeAll()
    if (big) this.#bigFlushAt = performance.now()
  }

  #schedule (): void {
    if (this.#soon !== undefined || this.#later !== undefined) return
    const wait = this.#bigFlushAt + BIG_FLUSH_INTERVAL_MS - performance.now()
    if (wait > 0) this.#later = setTimeout(this.flush, wait)
    else this.#soon = setImmediate(this.flush)
  }
}
