/** A connection whose socket is corked until the batch flushes. */
export interface Corked {
  uncork: () => void
}

/** A flush that uncorks this many connections counts as big. */
const BIG_FLUSH_CONNECTIONS = 1000
/** The shortest time between big flushes: the most a line waits, in rooms this large only. */
const BIG_FLUSH_INTERVAL_MS = 10

/**
 * Collects the connections corked during this event-loop turn and uncorks them
 * together, so each reader gets one writev per turn however many lines it was
 * sent. Normally the flush runs at the end of the turn. Right after a big flush
 * the next one waits until BIG_FLUSH_INTERVAL_MS have passed since it: in a large
 * room under load (a storm of joins, a busy channel) each member then gets one
 * write per interval instead of one per event, which is what keeps 10,000
 * members' join notices from becoming 50 million syscalls.
 */
export class CorkBatch {
  #corked: Corked[] = []
  #soon: NodeJS.Immediate | undefined
  #later: NodeJS.Timeout | undefined
  #bigFlushAt = -Infinity

  /** Adds a connection that has just corked its socket; schedules the flush if none is pending. */
  add (connection: Corked): void {
    this.#corked.push(connection)
    if (this.#soon !== undefined || this.#later !== undefined) return
    const wait = this.#bigFlushAt + BIG_FLUSH_INTERVAL_MS - performance.now()
    if (wait > 0) this.#later = setTimeout(this.flush, wait)
    else this.#soon = setImmediate(this.flush)
  }

  /** Uncorks every connection added since the last flush and clears the pending timer. */
  readonly flush = (): void => {
    clearImmediate(this.#soon)
    clearTimeout(this.#later)
    this.#soon = this.#later = undefined
    const corked = this.#corked
    this.#corked = []
    for (const connection of corked) connection.uncork()
    if (corked.length >= BIG_FLUSH_CONNECTIONS) this.#bigFlushAt = performance.now()
  }
}
