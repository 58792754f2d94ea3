import type { LookupFailure } from './failures.js'
import { Fifo } from './fifo.js'

/** Called exactly once per lookup: with a failure, or with the reply line. */
export type LookupCallback = (failure: LookupFailure | null, line: string) => void

/**
 * One request on the wire. `done` is null once nobody is waiting any more (it
 * timed out, or it is a probe): the entry stays in the queue as a placeholder
 * so that its late reply is recognised and dropped instead of being handed to
 * the next request.
 */
export interface Pending {
  readonly code: string
  readonly deadline: number
  done: LookupCallback | null
}

/**
 * The requests one link has on the wire, oldest first. Replies are matched to
 * them purely by order, which the status protocol guarantees, so no listener
 * is added per request. Requests pushed in one event-loop turn go out in one
 * write.
 */
export class WireQueue {
  readonly #queue = new Fifo<Pending>()
  readonly #write: (text: string) => void
  /** How many entries from the head have passed their deadline (they are placeholders now). */
  #expired = 0
  #out = ''
  #flushScheduled = false

  /** `write` puts text on the current connection (or drops it if there is none). */
  constructor (write: (text: string) => void) {
    this.#write = write
  }

  /** Entries on the wire, placeholders included: what counts against maxInFlight. */
  get length (): number {
    return this.#queue.length
  }

  /** The oldest entry, answered or not. */
  get head (): Pending | undefined {
    return this.#queue.at(0)
  }

  /** Queues a request and writes its line (`code` is already known to be three digits). */
  push (code: string, deadline: number, done: LookupCallback | null): void {
    this.#queue.push({ code, deadline, done })
    this.#out += code + '\n'
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      // setImmediate rather than nextTick: it runs after the whole I/O phase, so
      // requests from many HTTP connections in one turn share one write.
      setImmediate(this.#flush)
    }
  }

  /** The entry the next reply line belongs to. */
  shift (): Pending | undefined {
    const entry = this.#queue.shift()
    if (entry !== undefined && this.#expired > 0) this.#expired--
    return entry
  }

  /** Fails the lookups past their deadline with `failure`, leaving their placeholders. */
  expire (now: number, failure: LookupFailure): void {
    let entry = this.#queue.at(this.#expired)
    while (entry !== undefined && entry.deadline <= now) {
      const done = entry.done
      entry.done = null
      this.#expired++
      if (done !== null) done(failure, '')
      entry = this.#queue.at(this.#expired)
    }
  }

  /** Empties the queue, unsent lines too; every lookup still waiting gets `failure`. */
  failAll (failure: LookupFailure): void {
    this.#expired = 0
    this.#out = ''
    for (const entry of this.#queue.drain()) {
      const done = entry.done
      entry.done = null
      if (done !== null) done(failure, '')
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false
    const out = this.#out
    this.#out = ''
    // Past backpressure the queue is still bounded by maxInFlight (4 bytes each),
    // so a false return from write needs no pause.
    if (out !== '') this.#write(out)
  }
}
