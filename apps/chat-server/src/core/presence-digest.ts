import type { AppLogger } from '@eventwire/protocol'
import type { JoinEvent, LeaveEvent, PresenceEvent, RoomEvent, ServerEvent } from './events.js'

/** A digest names who joined (and who left) while at most this many did; past it, only counts. */
export const PRESENCE_NAMES = 10

export interface PresenceDigestOptions {
  /** Digest once the room has more members than this; 0: never (every join and leave one by one). */
  above: number
  /** At most one digest per this many ms. */
  periodMs: number
  /** Members on this instance (synchronous, exact). */
  localSize: () => number
  /**
   * Members room-wide when the room spans instances (a cluster's claim count):
   * read at most once per period while joins and leaves arrive, and once per digest.
   */
  count?: () => Promise<number>
  /** Hands one digest to every member here. */
  deliver: (event: PresenceEvent) => void
  logger: AppLogger
}

/** The joins and leaves of one period, and at most PRESENCE_NAMES names of each. */
interface Tally { joined: number, left: number, joinedNicks: string[], leftNicks: string[] }

function emptyTally (): Tally {
  return { joined: 0, left: 0, joinedNicks: [], leftNicks: [] }
}

function add (tally: Tally, event: JoinEvent | LeaveEvent): void {
  // Names are kept only while the list is short: the tally stays O(1) however many join.
  if (event.type === 'join') {
    if (++tally.joined <= PRESENCE_NAMES) tally.joinedNicks.push(event.nick)
  } else if (++tally.left <= PRESENCE_NAMES) {
    tally.leftNicks.push(event.nick)
  }
}

function toEvent (tally: Tally, online: number): PresenceEvent {
  return {
    type: 'presence',
    joined: tally.joined,
    left: tally.left,
    joinedNicks: tally.joined <= PRESENCE_NAMES ? tally.joinedNicks : [],
    leftNicks: tally.left <= PRESENCE_NAMES ? tally.leftNicks : [],
    online,
    ts: Date.now()
  }
}

/** `12034` → `12,034`, the same whatever the server's locale. */
export function groupDigits (n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** A digest for people, shared by the TCP line and the IRC NOTICE: `+2 joined (ann, bob), 1 left (cy) — 12,034 here`. */
export function presenceText (event: PresenceEvent): string {
  const parts: string[] = []
  const names = (nicks: string[]): string => nicks.length > 0 ? ` (${nicks.join(', ')})` : ''
  if (event.joined > 0) parts.push(`+${groupDigits(event.joined)} joined${names(event.joinedNicks)}`)
  if (event.left > 0) parts.push(`${groupDigits(event.left)} left${names(event.leftNicks)}`)
  return `${parts.join(', ')} — ${groupDigits(event.online)} here`
}

/**
 * Presence at scale: past the threshold, the joins and leaves the bus
 * delivers are tallied here instead of fanned out, and every member gets one
 * PresenceEvent per period. One timer for the whole room, armed by the first
 * change of a period and never re-armed by a quiet room; O(1) work per
 * change, one fan-out per period. Below the threshold (and while nothing is
 * tallied) it declines every event, so small rooms see exactly what they
 * always saw.
 */
export class PresenceDigest {
  readonly above: number
  readonly periodMs: number
  readonly #options: PresenceDigestOptions
  #tally = emptyTally()
  #timer: NodeJS.Timeout | undefined
  /** Cluster: the room-wide count last read, moved by every join and leave delivered since. */
  #estimate: number | undefined
  #countedAt = -Infinity
  #counting = false
  /** A digest waiting for the cluster's count: the next one waits for it, so digests keep their order. */
  #sending = false
  #closed = false

  constructor (options: PresenceDigestOptions) {
    this.above = options.above
    this.periodMs = options.periodMs
    this.#options = options
  }

  /** Members in the room as far as this instance knows without waiting. */
  get online (): number {
    return Math.max(this.#options.localSize(), this.#estimate ?? 0)
  }

  /** True when the room is past the threshold: joins and leaves are digested. */
  get large (): boolean {
    return this.above > 0 && this.online > this.above
  }

  /**
   * A delivered join or leave. True when it went into the digest (the room
   * must not fan it out); false when the room announces it one by one.
   */
  take (event: JoinEvent | LeaveEvent): boolean {
    if (this.#closed || this.above === 0) return false
    const join = event.type === 'join'
    if (this.#estimate !== undefined) this.#estimate += join ? 1 : -1
    this.#recount()
    // The larger side of the change: counting the joiner, and the leaver before it left.
    const busy = this.#tally.joined + this.#tally.left > 0
    if (!busy && this.online + (join ? 0 : 1) <= this.above) return false
    add(this.#tally, event)
    if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#flush, this.periodMs)
      // A digest due is no reason to keep a process alive.
      this.#timer.unref()
    }
    return true
  }

  /**
   * A reconnecting client's missed room events, with the joins and leaves
   * folded into one digest at the end when the room is large now: replaying
   * a thousand joins to each of thousands of returning clients is the N²
   * the digest exists to avoid.
   */
  fold (events: readonly RoomEvent[]): ServerEvent[] {
    if (!this.large) return [...events]
    const tally = emptyTally()
    const kept: ServerEvent[] = []
    for (const e of events) {
      if (e.type === 'join' || e.type === 'leave') add(tally, e)
      else kept.push(e)
    }
    if (tally.joined + tally.left > 0) kept.push(toEvent(tally, this.online))
    return kept
  }

  /** The room is closing: the timer goes, nothing more is sent. */
  close (): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  readonly #flush = (): void => {
    this.#timer = undefined
    if (this.#closed || this.#tally.joined + this.#tally.left === 0) return
    if (this.#sending) {
      this.#timer = setTimeout(this.#flush, this.periodMs)
      this.#timer.unref()
      return
    }
    const tally = this.#tally
    this.#tally = emptyTally()
    const count = this.#options.count
    if (count === undefined) {
      this.#options.deliver(toEvent(tally, this.#options.localSize()))
      return
    }
    this.#sending = true
    this.#countedAt = Date.now()
    void count().then((n) => { this.#estimate = n }, (err: unknown) => {
      this.#options.logger.debug({ err }, 'room count unavailable; the digest gives the last known one')
    }).finally(() => {
      this.#sending = false
      if (!this.#closed) this.#options.deliver(toEvent(tally, this.online))
    })
  }

  /** Cluster: refreshes the room-wide count, at most once per period and one read at a time. */
  #recount (): void {
    const count = this.#options.count
    if (count === undefined || this.#counting || Date.now() - this.#countedAt < this.periodMs) return
    this.#counting = true
    this.#countedAt = Date.now()
    void count().then((n) => { this.#estimate = n }, (err: unknown) => {
      this.#options.logger.debug({ err }, 'room count unavailable; deciding on this instance\'s members')
    }).finally(() => { this.#counting = false })
  }
}
