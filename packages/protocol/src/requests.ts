import { ErrorCodes, type ProtocolError } from './errors.js'
import { encodeEvent, encodeFrame } from './frame.js'
import { PendingRequests } from './pending-requests.js'
import { ExtensionEvents, type RequestHandler } from './remote-emitter-options.js'
import { fromWireError, toWireError, type WireError } from './wire-errors.js'

/**
 * Every id is this prefix and the counter in base 36, so it has at least 11
 * characters: V8's JSON.parse interns string values of 10 characters or fewer,
 * and interning a new string for every request made parsing each `$req` and
 * `$res` frame about 1.5× slower (and filled the string table old-space GCs must
 * sweep). Base 36 because V8 caches the decimal text of numbers: that cache kept
 * every id alive until it was promoted to old space, seven times the promotion
 * of duplex-emitter's round trip.
 */
const ID_PREFIX = '1000000000'

/**
 * The request/response extension of one connection: `["$req", id, method, ...args]`
 * out and in, `["$res", id, error, value]` back. Ids are a per-connection
 * counter: they never leave the connection, so nothing more is needed to keep
 * them apart. `write` puts a frame on the wire (false when it could not).
 */
export class RequestChannel {
  readonly #pending: PendingRequests
  readonly #handlers = new Map<string, RequestHandler>()
  readonly #write: (frame: string) => boolean
  #nextId = 0
  #closedWith: ProtocolError | null = null

  constructor (maxPending: number, write: (frame: string) => boolean) {
    this.#pending = new PendingRequests(maxPending)
    this.#write = write
  }

  get pending (): number {
    return this.#pending.size
  }

  /** Sends a request; the promise settles with the response, a timeout, or the connection's end. */
  request (method: string, args: readonly unknown[], timeoutMs: number): Promise<unknown> {
    const id = ID_PREFIX + (++this.#nextId).toString(36)
    // One array for JSON.stringify: measured faster than splicing strings together.
    const frame = encodeFrame([ExtensionEvents.REQUEST, id, method, ...args])
    if (this.#pending.full) return this.#pending.add(id, method, timeoutMs)
    this.#write(frame)
    // Booked after the write, so the frame is on its way meanwhile. The write may
    // have closed the connection (ERR_QUEUE_FULL): then nothing is left to wait for.
    if (this.#closedWith !== null) return Promise.reject(this.#closedWith)
    return this.#pending.add(id, method, timeoutMs)
  }

  handle (method: string, handler: RequestHandler): () => void {
    this.#handlers.set(method, handler)
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method)
    }
  }

  /** A `$req` from the peer (already validated by decodeFrame). */
  onRequest (id: string, method: string, args: unknown[]): void {
    const handler = this.#handlers.get(method)
    if (handler === undefined) {
      return this.#respond(id, { code: ErrorCodes.NO_HANDLER, message: `no handler for ${JSON.stringify(method)}` }, null)
    }
    let result: unknown
    try {
      result = handler(...args)
    } catch (err) {
      return this.#respond(id, toWireError(err), null)
    }
    if (result instanceof Promise) {
      result.then((value) => this.#respond(id, null, value), (err) => this.#respond(id, toWireError(err), null))
    } else {
      this.#respond(id, null, result)
    }
  }

  /** A `$res` from the peer. One that arrives after its timeout finds nothing and is dropped, never reused. */
  onResponse (id: string, wireError: unknown, value: unknown): void {
    this.#pending.settle(id, wireError == null ? null : fromWireError(wireError), value)
  }

  /** The connection is gone: every waiting request rejects with `err`, handlers are dropped. */
  close (err: ProtocolError): void {
    this.#closedWith = err
    this.#pending.rejectAll(err)
    this.#handlers.clear()
  }

  #respond (id: string, error: WireError | null, value: unknown): void {
    let frame: string
    try {
      frame = encodeFrame([ExtensionEvents.RESPONSE, id, error, value ?? null])
    } catch (err) {
      frame = encodeEvent(ExtensionEvents.RESPONSE, [id, toWireError(err), null])
    }
    this.#write(frame)
  }
}
