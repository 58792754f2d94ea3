import type { Socket } from 'node:net'
import { ConnectionSet } from '@eventwire/kit'
import type { AppLogger } from '@eventwire/protocol'
import { tooManyConnectionsReply, tooManyFromAddressReply } from './describe.js'
import { RefusalReasons } from './ops.js'

export interface AdmissionOptions {
  maxConnections: number
  maxConnectionsPerAddress: number
  /** How long a refused client gets to read its line and close before it is destroyed. */
  closeGraceMs: number
  logger: AppLogger
  /** Told of every refusal, with its reason (RefusalReasons): the metrics. */
  onRefused: (reason: string) => void
}

/**
 * The key connections are counted under: the remote address, with an IPv4
 * address seen through a dual-stack socket (`::ffff:1.2.3.4`) counted as itself.
 */
export function addressOf (socket: Socket): string {
  const raw = socket.remoteAddress ?? ''
  return raw.startsWith('::ffff:') ? raw.slice(7) : raw
}

/**
 * Who gets served: at most maxConnections in all and maxPerAddress from one
 * address, so a client that opens connections and leaves them idle cannot take
 * every slot. The others get one `Error:` line and are closed.
 */
export class Admission {
  /**
   * Refused sockets, until they have closed, so close()/destroy() can reach them
   * in their grace period. They were ended when refused: ending them again is nothing.
   */
  readonly refused: ConnectionSet<Socket>
  readonly #options: AdmissionOptions
  /** Connections served per address; an address leaves the map with its last connection. */
  readonly #perAddress = new Map<string, number>()

  constructor (options: AdmissionOptions) {
    this.#options = options
    this.refused = new ConnectionSet<Socket>({ end: () => {}, destroy: (socket) => socket.destroy(), closeGraceMs: options.closeGraceMs })
  }

  /**
   * Decides on a new connection from `address` while `open` slots are taken.
   * Null: admitted and counted (the caller calls release(address) when it
   * closes). Else the refusal line it is to be told (counted and logged here),
   * which the caller sends with refuse(): at once on plain TCP, after the
   * handshake on TLS, where a line before it would be unreadable.
   */
  admit (address: string, open: number, closing: boolean): string | null {
    const { maxConnections, maxConnectionsPerAddress: maxPerAddress, logger } = this.#options
    const fromAddress = this.#perAddress.get(address) ?? 0
    if (closing) {
      this.#options.onRefused(RefusalReasons.SHUTTING_DOWN)
      return tooManyConnectionsReply(maxConnections)
    }
    // Checked before the total, so the client hogging slots is told that it is the one.
    if (fromAddress >= maxPerAddress) {
      logger.warn({ maxConnectionsPerAddress: maxPerAddress, remote: address }, 'connection refused: address at its limit')
      this.#options.onRefused(RefusalReasons.PER_ADDRESS)
      return tooManyFromAddressReply(maxPerAddress)
    }
    if (open >= maxConnections) {
      logger.warn({ maxConnections, remote: address }, 'connection refused: server full')
      this.#options.onRefused(RefusalReasons.FULL)
      return tooManyConnectionsReply(maxConnections)
    }
    this.#perAddress.set(address, fromAddress + 1)
    return null
  }

  release (address: string): void {
    const count = this.#perAddress.get(address) ?? 1
    if (count <= 1) this.#perAddress.delete(address)
    else this.#perAddress.set(address, count - 1)
  }

  /** Sends a refused connection its line and closes it; destroyed if still open closeGraceMs later. */
  refuse (socket: Socket, reply: string): void {
    this.refused.add(socket)
    const timer = setTimeout(() => socket.destroy(), this.#options.closeGraceMs)
    socket.on('error', () => {}) // the refused client's resets are not our concern
    socket.once('close', () => {
      clearTimeout(timer)
      this.refused.delete(socket)
    })
    socket.end(reply)
    socket.resume() // drop whatever it sends so its FIN reaches us
  }
}
