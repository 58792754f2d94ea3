import { ErrorCodes, ProtocolError } from './errors.js'

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/**
 * Requests waiting for their response, keyed by id. Each has its own timeout;
 * a response that arrives after its timeout finds no entry and is dropped, so
 * it can never be mistaken for the answer to another request.
 */
export class PendingRequests {
  readonly #entries = new Map<string, Pending>()
  readonly #max: number

  constructor (max: number) {
    this.#max = max
  }

  get size (): number {
    return this.#entries.size
  }

  /** Registers a request; rejects at once when `max` are already waiting. */
  add (id: string, method: string, timeoutMs: number): Promise<unknown> {
    if (this.#entries.size >= this.#max) {
      return Promise.reject(new ProtocolError(ErrorCodes.TOO_MANY_REQUESTS, `${this.#max} requests already wait for a response on this connection; wait for some to finish or raise maxPendingRequests`, { max: this.#max, method }))
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#entries.delete(id)
        reject(new ProtocolError(ErrorCodes.REQUEST_TIMEOUT, `request ${JSON.stringify(method)} got no response within ${timeoutMs} ms`, { method, timeoutMs, id }))
      }, timeoutMs)
      this.#entries.set(id, { resolve, reject, timer })
    })
  }

  /** Completes a request; false when the id is unknown (late or forged). */
  settle (id: string, error: Error | null, value: unknown): boolean {
    const entry = this.#entries.get(id)
    if (entry === undefined) return false
    this.#entries.delete(id)
    clearTimeout(entry.timer)
    if (error !== null) entry.reject(error)
    else entry.resolve(value)
    return true
  }

  /** Rejects everything still waiting (the connection is gone). */
  rejectAll (error: Error): void {
    for (const [id, entry] of this.#entries) {
      this.#entries.delete(id)
      clearTimeout(entry.timer)
      entry.reject(error)
    }
  }
}
