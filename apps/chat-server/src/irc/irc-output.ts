import type net from 'node:net'

/** Corked output past this is written out at once, so bytes merely held by cork() never count as a slow reader's. */
const CORK_FLUSH_BYTES = 16 * 1024

/**
 * An IRC client's socket output: every write, room event or reply alike, is
 * checked against the queue limit first; the replies to one input chunk leave
 * in one write (corked); a graceful end is bounded by the close grace.
 */
export class IrcOutput {
  readonly #socket: net.Socket
  readonly #maxQueueBytes: number
  readonly #closeGraceMs: number
  #closeTimer: NodeJS.Timeout | undefined

  constructor (socket: net.Socket, maxQueueBytes: number, closeGraceMs: number) {
    this.#socket = socket
    this.#maxQueueBytes = maxQueueBytes
    this.#closeGraceMs = closeGraceMs
  }

  /** Queues `data`; false, writing nothing, when the queue is past its limit (the caller drops the client). */
  write (data: string | Buffer): boolean {
    const socket = this.#socket
    if (!socket.writable) return true // closing: the room learns from 'close'
    if (socket.writableCorked > 0 && socket.writableLength >= CORK_FLUSH_BYTES) {
      socket.uncork()
      socket.cork()
    }
    if (socket.writableLength > this.#maxQueueBytes) return false
    if (data.length > 0) socket.write(data)
    return true
  }

  /** Runs `fn` with the socket corked: one write for everything it writes (a join burst is a dozen lines). */
  corked (fn: () => void): void {
    this.#socket.cork()
    try {
      fn()
    } finally {
      this.#socket.uncork()
    }
  }

  /** A last line, then FIN; a peer that stopped reading is cut after the grace period instead of holding its queue. */
  end (last: string): void {
    if (this.#socket.writable) this.#socket.write(last)
    this.#socket.end()
    this.#closeTimer ??= setTimeout(() => this.#socket.destroy(), this.#closeGraceMs)
  }

  destroy (): void {
    this.#socket.destroy()
  }

  /** The socket closed: no timer left behind. */
  closed (): void {
    clearTimeout(this.#closeTimer)
  }
}
