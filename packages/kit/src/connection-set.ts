import { assertNumberOption } from '@eventwire/protocol'

/** How a ConnectionSet ends one of its connections. */
export interface ConnectionCloser<T> {
  /** Graceful: flush what is queued, tell the peer, send FIN. The connection leaves the set once really closed. */
  end: (connection: T) => void
  /** At once: what end() becomes for a peer still there after the grace period. */
  destroy: (connection: T) => void
}

export interface ConnectionSetOptions<T> extends ConnectionCloser<T> {
  /** How long close() lets connections finish before destroying them. Default 2000 ms. */
  closeGraceMs?: number
}

export const DEFAULT_CLOSE_GRACE_MS = 2000

/**
 * The open connections of one listener, and the one way every app closes
 * them: end each, wait up to `closeGraceMs`, destroy the stragglers, resolve
 * once the set is empty (ws keeps one client set the same way and fires
 * 'close' when it empties). Connections remove themselves with delete() from
 * their socket's 'close'; whenEmpty() hands every caller the same promise, so
 * no waiter can be lost.
 */
export class ConnectionSet<T> implements Iterable<T> {
  readonly closeGraceMs: number
  readonly #items = new Set<T>()
  readonly #closer: ConnectionCloser<T>
  #empty: Promise<void> | null = null
  #resolveEmpty: (() => void) | null = null
  #closing: Promise<void> | null = null

  constructor (options: ConnectionSetOptions<T>) {
    this.closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS
    assertNumberOption('closeGraceMs', this.closeGraceMs, 0)
    this.#closer = options
  }

  get size (): number {
    return this.#items.size
  }

  /** True once close() has been called: callers refuse new connections. */
  get closing (): boolean {
    return this.#closing !== null
  }

  add (connection: T): void {
    this.#items.add(connection)
  }

  has (connection: T): boolean {
    return this.#items.has(connection)
  }

  /** Removes a connection (from its 'close'); the last one out settles whenEmpty(). */
  delete (connection: T): boolean {
    if (!this.#items.delete(connection)) return false
    if (this.#items.size === 0 && this.#resolveEmpty !== null) {
      const resolve = this.#resolveEmpty
      this.#resolveEmpty = null
      this.#empty = null
      resolve()
    }
    return true
  }

  [Symbol.iterator] (): Iterator<T> {
    return this.#items[Symbol.iterator]()
  }

  /** Resolves when no connection is left; every caller gets the same promise. */
  whenEmpty (): Promise<void> {
    if (this.#items.size === 0) return Promise.resolve()
    this.#empty ??= new Promise<void>((resolve) => { this.#resolveEmpty = resolve })
    return this.#empty
  }

  /** Ends every connection, destroys those still open after closeGraceMs; resolves when all are gone. Idempotent. */
  close (): Promise<void> {
    this.#closing ??= (async () => {
      for (const connection of [...this.#items]) this.#closer.end(connection)
      const timer = setTimeout(() => this.destroyAll(), this.closeGraceMs)
      try {
        await this.whenEmpty()
      } finally {
        clearTimeout(timer)
      }
    })()
    return this.#closing
  }

  /** Destroys every connection at once (a hard stop, or the end of the grace period). */
  destroyAll (): void {
    for (const connection of [...this.#items]) this.#closer.destroy(connection)
  }
}
