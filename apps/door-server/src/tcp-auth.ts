import type net from 'node:net'
import { addListeners, decodeFrame, ProtocolError } from '@eventwire/protocol'
import { AUTH_EVENT, AuthRefusals, RefusalCodes, refusalFrame } from './refusal.js'

/** After a refusal, how long a peer that keeps its end open is given before the socket is cut. */
const REFUSAL_GRACE_MS = 1000
const NEWLINE = 0x0a

export interface AuthGateOptions {
  /** The constant-time token comparison (the kit's createTokenCheck). */
  check: (candidate: unknown) => boolean
  /** A client must have sent its `["auth", token]` frame within this. */
  timeoutMs: number
  /** Longest first line accepted; past it the client is refused without waiting for the rest. */
  maxLineBytes: number
  /** The client passed: `socket` is paused, with whatever it sent after the auth frame put back to be read. */
  onAuthenticated: (socket: net.Socket) => void
  /** The client was told `reason` and is being closed (for the log and the metrics; the token never appears). */
  onRefused: (socket: net.Socket, reason: string) => void
}

interface Pending {
  deadline: number
  parts: Buffer[]
  bytes: number
  dispose: () => void
}

/**
 * The door's token check on the TCP port. Until a client's first frame is
 * `["auth", <the token>]` it is held here: nothing is sent to it, nothing it
 * sends reaches the emitter (a `$ping` is not answered either). The first line
 * is read from the raw bytes so what follows it in the same chunk is handed on
 * untouched. Every pending client's deadline runs on one timer: they all wait
 * the same `timeoutMs`, so arrival order is deadline order.
 */
export class AuthGate {
  readonly #options: AuthGateOptions
  /** Insertion order is deadline order. */
  readonly #pending = new Map<net.Socket, Pending>()
  #timer: NodeJS.Timeout | null = null

  constructor (options: AuthGateOptions) {
    this.#options = options
  }

  /** Clients that have not authenticated yet. */
  get size (): number {
    return this.#pending.size
  }

  /** Holds `socket` until it authenticates, is refused or closes. */
  admit (socket: net.Socket): void {
    const onData = (chunk: Buffer): void => this.#onData(socket, chunk)
    const onClose = (): void => this.#forget(socket)
    // Gone before it said anything (EOF, a reset): there is nobody to tell; destroying it also
    // means no later write error can surface once our 'error' listener is removed.
    const onGone = (): void => { this.#forget(socket); socket.destroy() }
    const dispose = addListeners(socket, { data: onData, end: onGone, close: onClose, error: onGone })
    this.#pending.set(socket, { deadline: Date.now() + this.#options.timeoutMs, parts: [], bytes: 0, dispose })
    this.#timer ??= setTimeout(this.#onTimer, this.#options.timeoutMs)
  }

  /** Destroys every client still waiting (shutdown: they were promised nothing) and stops the timer. */
  close (): void {
    for (const socket of [...this.#pending.keys()]) {
      this.#forget(socket)
      socket.destroy()
    }
  }

  #onData (socket: net.Socket, chunk: Buffer): void {
    const pending = this.#pending.get(socket)
    if (pending === undefined) return
    let start = 0
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start)
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline)
      if (pending.bytes + piece.length > this.#options.maxLineBytes) return this.#refuse(socket, AuthRefusals.NOT_FIRST)
      if (newline === -1) {
        pending.parts.push(piece)
        pending.bytes += piece.length
        return
      }
      const line = Buffer.concat([...pending.parts, piece]).toString('utf8').replace(/\r$/, '')
      pending.parts = []
      pending.bytes = 0
      start = newline + 1
      const frame = decodeFrame(line)
      if (frame === null) continue // a blank line (a telnet user's Enter) carries nothing: still waiting
      if (frame instanceof ProtocolError || frame[0] !== AUTH_EVENT) return this.#refuse(socket, AuthRefusals.NOT_FIRST)
      if (!this.#options.check(frame[1])) return this.#refuse(socket, AuthRefusals.WRONG)
      this.#forget(socket)
      socket.pause()
      if (start < chunk.length) socket.unshift(chunk.subarray(start))
      this.#options.onAuthenticated(socket)
      return
    }
  }

  /** Says why, half-closes, and cuts a peer that keeps its end open. Nothing it sends is read any more. */
  #refuse (socket: net.Socket, reason: string): void {
    this.#forget(socket)
    this.#options.onRefused(socket, reason)
    const cut = setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS)
    const onClose = (): void => {
      clearTimeout(cut)
      socket.off('error', ignore)
    }
    socket.on('error', ignore)
    socket.once('close', onClose)
    socket.resume()
    socket.end(refusalFrame(RefusalCodes.UNAUTHORIZED, reason))
  }

  #forget (socket: net.Socket): void {
    const pending = this.#pending.get(socket)
    if (pending === undefined) return
    pending.dispose()
    this.#pending.delete(socket)
    if (this.#pending.size === 0 && this.#timer !== null) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = null
    const now = Date.now()
    for (const [socket, pending] of this.#pending) {
      if (pending.deadline > now) {
        this.#timer = setTimeout(this.#onTimer, pending.deadline - now)
        return
      }
      this.#refuse(socket, AuthRefusals.timedOut(this.#options.timeoutMs))
    }
  }
}

function ignore (): void {}
