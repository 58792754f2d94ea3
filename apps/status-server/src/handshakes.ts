import type { Socket } from 'node:net'
import { ConnectionSet } from '@eventwire/kit'

/** What was decided for a connection at accept, carried over its TLS handshake. */
export interface Accepted {
  /** The TCP socket the TLS one will wrap: the one to reset on a hard stop. */
  readonly tcp: Socket
  /** As counted for the per-address limit. */
  readonly address: string
  /** Epoch ms: the first-request deadline runs from accept, the handshake included. */
  readonly acceptedAt: number
  /** The line a refused connection is told once it can read it (after the handshake); null: admitted. */
  readonly refusal: string | null
}

export interface HandshakeLimits {
  /** An admitted connection's handshake is cut after this long; null: only Node's own handshake timeout. */
  admittedMs: number | null
  /** A refused connection gets this long (its grace period) to finish the handshake and read its line. */
  refusedMs: number
  /** An admitted connection ran out of time during its handshake (the metrics count it). */
  onTimeout: () => void
}

interface Entry extends Accepted {
  timer: NodeJS.Timeout | null
  onClose: () => void
  onEnd: () => void
}

/** Nothing to do: a reset mid-handshake is the client's business, and 'close' cleans up. */
function ignoreError (): void {}

/**
 * Connections accepted on the TLS port whose handshake has not finished.
 * Admission is decided at accept, on the TCP socket, so handshakes in progress
 * hold their slots: a flood of half-done handshakes cannot get past
 * maxConnections or the per-address cap, and each is bounded in time.
 *
 * Node hands the finished TLS socket over on its own; it shares its TCP
 * socket's four-tuple (addresses and ports), which is unique among the open
 * connections of one listener, so that is the key it is found under again.
 */
export class Handshakes {
  /** The TCP sockets, so close() and destroy() reach them; ending one is destroying it (nothing was served). */
  readonly sockets = new ConnectionSet<Socket>({ end: (socket) => socket.destroy(), destroy: (socket) => socket.destroy() })
  readonly #limits: HandshakeLimits
  readonly #pending = new Map<string, Entry>()
  #admitted = 0

  constructor (limits: HandshakeLimits) {
    this.#limits = limits
  }

  /** Admitted connections still in their handshake: they count against maxConnections. */
  get admitted (): number {
    return this.#admitted
  }

  hold (accepted: Accepted): void {
    const { tcp, refusal } = accepted
    const key = tupleKey(tcp)
    const admitted = refusal === null
    const ms = admitted ? this.#limits.admittedMs : this.#limits.refusedMs
    // Without a limit of ours, Node's handshake timeout (120 s of silence) still bounds it.
    const timer = ms === null
      ? null
      : setTimeout(() => {
        if (admitted) this.#limits.onTimeout()
        tcp.destroy()
      }, ms)
    const entry: Entry = {
      ...accepted,
      timer,
      onClose: () => this.#forget(key, entry),
      // Gone before a word (the port is half-open capable, so a FIN alone closes nothing): free its slot now.
      onEnd: () => { if (tcp.bytesRead === 0) tcp.destroy() }
    }
    // Kept after the handshake: the TCP socket lives on under the TLS one, and an error there must never throw.
    tcp.on('error', ignoreError)
    tcp.once('close', entry.onClose)
    tcp.once('end', entry.onEnd)
    this.#pending.set(key, entry)
    this.sockets.add(tcp)
    if (admitted) this.#admitted++
  }

  /** The decision made at accept for a socket whose handshake just finished; undefined if it is not held here. */
  take (secure: Socket): Accepted | undefined {
    const key = tupleKey(secure)
    const entry = this.#pending.get(key)
    if (entry === undefined) return undefined
    this.#forget(key, entry)
    const { tcp, address, acceptedAt, refusal } = entry
    return { tcp, address, acceptedAt, refusal }
  }

  #forget (key: string, entry: Entry): void {
    if (this.#pending.get(key) !== entry) return
    this.#pending.delete(key)
    if (entry.timer !== null) clearTimeout(entry.timer)
    entry.tcp.off('close', entry.onClose)
    entry.tcp.off('end', entry.onEnd)
    this.sockets.delete(entry.tcp)
    if (entry.refusal === null) this.#admitted--
  }
}

function tupleKey (socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}|${socket.localAddress ?? ''}|${socket.localPort ?? ''}`
}
