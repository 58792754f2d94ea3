import { randomBytes } from 'node:crypto'
import type { MessageEvent, PrivateEvent, RoomEvent, RoomEventDraft } from './events.js'
import { History } from './history.js'

/**
 * The room's one ordered log of room-wide events (message, action, join,
 * leave, nick). The room publishes every such event here and fans out to its
 * members only what the bus delivers, its own events included: with several
 * instances sharing one room (a Redis Stream behind this interface), every
 * instance then shows the same events in the same order.
 *
 * The contract an implementation keeps:
 * - `publish` places the event in the log, gives it the next `seq` (strictly
 *   increasing, one per event, the same on every instance) and hands it to
 *   the subscriber exactly once, on every instance, in `seq` order.
 * - Delivery may happen before `publish` returns (LocalBus: synchronously) or
 *   any time later (a network log): the room assumes neither.
 * - The returned promise resolves once the log has accepted the event. It
 *   rejects (never throws synchronously) when the event was not accepted; such
 *   an event is delivered nowhere, and the room tells its author it was not
 *   delivered (`NOT_DELIVERED`).
 * - The subscriber is the room's fan-out: it never throws and never waits.
 *   Every member is handed the same delivered object, so transports encode it once.
 * - `history()` answers synchronously from memory: the last message/action
 *   events delivered, oldest first, each with its `seq` (a network bus keeps
 *   this ring from what it delivers).
 */
export interface RoomBus {
  publish: (event: RoomEventDraft) => Promise<void>
  /** Sets the one consumer of delivered events (and of the bus' notices); returns the call that stops delivery. */
  subscribe: (deliver: (event: RoomEvent) => void, notices?: BusNotices) => () => void
  /** Recent messages and actions, oldest first, as delivered (with `seq`). */
  history: () => MessageEvent[]
  /** The last `seq` delivered here and the log's epoch, read synchronously. Without it, clients cannot recover. */
  position?: () => { seq: number, epoch: string }
  /** What a client that last saw `seq` of `epoch` missed (see Recovery). */
  since?: (seq: number, epoch: string) => Promise<Recovery>
  /**
   * A private message to a member of another instance, through the log: delivered (notices.private)
   * only on the instances of its two parties, never fanned out, never in history.
   */
  publishPrivate?: (event: PrivateEvent, ids: PrivateIds) => Promise<void>
}

export interface PrivateIds { fromId: string, toId: string }

/** What a bus tells the room besides room-wide events; every callback is optional. */
export interface BusNotices {
  /** A private message from the log, for its sender and recipient if they are here. */
  private?: (event: PrivateEvent, ids: PrivateIds) => void
  /** Entries of the log this instance will never deliver (trimmed before it read them). */
  gap?: (missed: number) => void
  /** The log was replaced (new epoch): positions and history from before are void. */
  reset?: (epoch: string) => void
  /** The shared log became unreachable (false) or reachable again (true). */
  link?: (up: boolean) => void
}

/**
 * A reconnecting client's catch-up: the room events after its seq (oldest first,
 * at most a bound; `missed` counts the rest; `through` is the last seq looked
 * at), or `reset` when its position is
 * from another epoch (or beyond the log's end) and it must reload.
 */
export type Recovery =
  | { reset: true, epoch: string }
  | { reset: false, events: RoomEvent[], missed: number, through: number }

/**
 * The rejection of a publish the log certainly did not take because it is
 * unreachable (Redis down): its message is what the author is told.
 */
export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError'
  readonly code = 'CHAT_BUS_UNAVAILABLE'
}

/** Room events LocalBus keeps for reconnecting clients (`since`). */
export const DEFAULT_RECOVERY_SIZE = 1000

/**
 * What a bus returns for an event it took synchronously (LocalBus, always): one
 * resolved promise, so a caller can tell and skip waiting on it.
 */
export const ACCEPTED: Promise<void> = Promise.resolve()

/**
 * The in-process RoomBus: a counter for `seq`, the history ring, and
 * synchronous delivery, so a single instance behaves exactly as a room with
 * no bus would. An event published while another is being delivered (a slow
 * member's leave, caused by a broadcast) is delivered right after it, still
 * in `seq` order and before the outer publish returns.
 */
export class LocalBus implements RoomBus {
  /** Random per process: a client's position from before a restart is void. */
  readonly epoch = randomBytes(8).toString('hex')
  readonly #history: History
  readonly #recent: History<RoomEvent>
  readonly #queue: RoomEvent[] = []
  #deliver: ((event: RoomEvent) => void) | undefined
  #seq = 0
  #delivering = false

  /** `historySize`: how many messages the ring keeps (0: none); `recoverySize`: room events kept for `since`. */
  constructor ({ historySize, recoverySize = DEFAULT_RECOVERY_SIZE }: { historySize: number, recoverySize?: number }) {
    this.#history = new History(historySize)
    this.#recent = new History<RoomEvent>(recoverySize)
  }

  publish (draft: RoomEventDraft): Promise<void> {
    // Not `{ ...draft, seq }`: drafts come in many shapes (message, join, nick…), and V8's spread with
    // an added property is then a runtime call of ~1 µs per message; this copy is ~0.1 µs, same key order.
    const event = Object.assign({}, draft) as RoomEvent
    event.seq = ++this.#seq
    if (event.type === 'message' || event.type === 'action') this.#history.push(event)
    this.#recent.push(event)
    this.#queue.push(event)
    try {
      if (!this.#delivering) this.#drain()
    } catch (err) {
      // A subscriber that threw (it must not): the contract is a rejection, never a throw.
      return Promise.reject(err)
    }
    return ACCEPTED
  }

  subscribe (deliver: (event: RoomEvent) => void): () => void {
    this.#deliver = deliver
    return () => { if (this.#deliver === deliver) this.#deliver = undefined }
  }

  history (): MessageEvent[] {
    return this.#history.toArray()
  }

  position (): { seq: number, epoch: string } {
    return { seq: this.#seq, epoch: this.epoch }
  }

  async since (seq: number, epoch: string): Promise<Recovery> {
    if (epoch !== this.epoch || seq > this.#seq || seq < 0) return { reset: true, epoch: this.epoch }
    const events = this.#recent.toArray().filter((e) => e.seq > seq)
    return { reset: false, events, missed: this.#seq - seq - events.length, through: this.#seq }
  }

  #drain (): void {
    this.#delivering = true
    try {
      for (let i = 0; i < this.#queue.length; i++) this.#deliver?.(this.#queue[i] as RoomEvent)
    } finally {
      this.#queue.length = 0
      this.#delivering = false
    }
  }
}
