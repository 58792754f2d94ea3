import type { MessageEvent, RoomEvent, RoomEventDraft } from './events.js'
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
  /** Sets the one consumer of delivered events; returns the call that stops delivery. */
  subscribe: (deliver: (event: RoomEvent) => void) => () => void
  /** Recent messages and actions, oldest first, as delivered (with `seq`). */
  history: () => MessageEvent[]
}

const ACCEPTED = Promise.resolve()

/**
 * The in-process RoomBus: a counter for `seq`, the history ring, and
 * synchronous delivery, so a single instance behaves exactly as a room with
 * no bus would. An event published while another is being delivered (a slow
 * member's leave, caused by a broadcast) is delivered right after it, still
 * in `seq` order and before the outer publish returns.
 */
export class LocalBus implements RoomBus {
  readonly #history: History
  readonly #queue: RoomEvent[] = []
  #deliver: ((event: RoomEvent) => void) | undefined
  #seq = 0
  #delivering = false

  /** `historySize`: how many messages the ring keeps (0: none). */
  constructor ({ historySize }: { historySize: number }) {
    this.#history = new History(historySize)
  }

  publish (draft: RoomEventDraft): Promise<void> {
    const event = { ...draft, seq: ++this.#seq } as RoomEvent
    if (event.type === 'message' || event.type === 'action') this.#history.push(event)
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
