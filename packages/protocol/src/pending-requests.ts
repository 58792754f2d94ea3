import { performance } from 'node:perf_hooks'
import { ErrorCodes, ProtocolError } from './errors.js'

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  method: string
  timeoutMs: number
  /** performance.now() past which the request has timed out (monotonic: a clock change moves no deadline). */
  deadline: number
}

/**
 * Requests waiting for their response, keyed by id. Each has its own timeout;
 * a response that arrives after its timeout finds no entry and is dropped, so
 * it can never be mistaken for the answer to another request.
 *
 * The timeouts share one timer per connection, armed for the earliest deadline
 * and moved only when a request with an earlier one arrives (undici's
 * lib/util/timers.js has the same idea for a whole process). A setTimeout and a
 * clearTimeout per request cost more than the rest of the request path: with
 * one timeout for every request, the next deadline is never earlier than the
 * armed one, so a request touches no timer at all. The timer is ref'd exactly
 * while a request waits, as the per-request timers were: a waiting request keeps
 * the process alive until it settles or times out, an idle connection does not.
 *
 * A request sent while none waits is kept in a slot of its own, outside the
 * map: ids are new strings on both sides, so a map costs two string hashes
 * per round trip (about 1,000 instructions of ~37,000, measured with
 * callgrind), and the usual request-then-reply traffic needs no map at all.
 */
export class PendingRequests {
  readonly #entries = new Map<string, Pending>()
  /** The request that waited alone when it was sent (null: none); its id is #soloId. */
  #solo: Pending | null = null
  #soloId = ''
  readonly #max: number
  #timer: NodeJS.Timeout | null = null
  /** When the armed timer fires; Infinity when there is none. */
  #timerAt = Infinity

  constructor (max: number) {
    this.#max = max
  }

  get size (): number {
    return this.#entries.size + (this.#solo === null ? 0 : 1)
  }

  /** True when `max` requests already wait: add() would reject. */
  get full (): boolean {
    return this.size >= this.#max
  }

  /** Registers a request; rejects at once when `max` are already waiting. */
  add (id: string, method: string, timeoutMs: number): Promise<unknown> {
    if (this.full) {
      return Promise.reject(new ProtocolError(ErrorCodes.TOO_MANY_REQUESTS, `${this.#max} requests already wait for a response on this connection; wait for some to finish or raise maxPendingRequests`, { max: this.#max, method }))
    }
    const deadline = performance.now() + timeoutMs
    const alone = this.size === 0
    const promise = new Promise((resolve, reject) => {
      const entry = { resolve, reject, method, timeoutMs, deadline }
      if (alone) {
        this.#solo = entry
        this.#soloId = id
      } else {
        this.#entries.set(id, entry)
      }
    })
    if (deadline < this.#timerAt) this.#arm(deadline)
    else if (alone) this.#timer?.ref()
    return promise
  }

  /** Completes a request; false when the id is unknown (late or forged). */
  settle (id: string, error: Error | null, value: unknown): boolean {
    let entry: Pending | undefined
    if (this.#solo !== null && id === this.#soloId) {
      entry = this.#solo
      this.#solo = null
    } else {
      entry = this.#entries.get(id)
      if (entry === undefined) return false
      this.#entries.delete(id)
    }
    // The timer stays armed for the next request; it only stops holding the process.
    if (this.size === 0) this.#timer?.unref()
    if (error !== null) entry.reject(error)
    else entry.resolve(value)
    return true
  }

  /** Rejects everything still waiting (the connection is gone) and stops the timer. */
  rejectAll (error: Error): void {
    this.#disarm()
    const solo = this.#solo
    this.#solo = null
    solo?.reject(error)
    for (const [id, entry] of this.#entries) {
      this.#entries.delete(id)
      entry.reject(error)
    }
  }

  #arm (at: number): void {
    this.#disarm()
    this.#timerAt = at
    this.#timer = setTimeout(this.#expire, Math.max(1, Math.ceil(at - performance.now())))
    if (this.size === 0) this.#timer.unref()
  }

  #disarm (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = Infinity
  }

  /** Rejects every request past its deadline and re-arms for the earliest one left. */
  readonly #expire = (): void => {
    this.#timer = null
    this.#timerAt = Infinity
    const now = performance.now()
    let next = Infinity
    // A timer may fire a little before its deadline by this clock (libuv's is
    // cached per loop turn); such a request is simply waited for again.
    const expired: Array<[string, Pending]> = []
    const solo = this.#solo
    if (solo !== null) {
      if (solo.deadline <= now) {
        expired.push([this.#soloId, solo])
        this.#solo = null
      } else {
        next = solo.deadline
      }
    }
    for (const [id, entry] of this.#entries) {
      if (entry.deadline <= now) expired.push([id, entry])
      else if (entry.deadline < next) next = entry.deadline
    }
    for (const [id] of expired) this.#entries.delete(id)
    if (next !== Infinity) this.#arm(next)
    for (const [id, { method, timeoutMs, reject }] of expired) {
      reject(new ProtocolError(ErrorCodes.REQUEST_TIMEOUT, `request ${JSON.stringify(method)} got no response within ${timeoutMs} ms`, { method, timeoutMs, id }))
    }
  }
}
