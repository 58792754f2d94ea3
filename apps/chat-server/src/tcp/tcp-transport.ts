import type net from 'node:net'
import type { AddressInfo } from 'node:net'
import { ConnectionSet, createStreamServer, stopListening, type ServerTls } from '@eventwire/kit'
import type { AppLogger } from '@eventwire/protocol'
import { listen } from '@eventwire/service'
import { ChatErrorCodes } from '../core/events.js'
import { LeaveReasons } from '../core/leave-reasons.js'
import type { ChatRoom } from '../core/room.js'
import { ChatTransportStats } from '../ops/transport-stats.js'
import { formatLine } from './format.js'
import { TcpConnection, type TcpContext } from './tcp-connection.js'
import { TurnWriter } from './turn-writer.js'

export interface TcpTransportOptions {
  room: ChatRoom
  logger: AppLogger
  /** Bytes queued in user space for one connection before it counts as too slow. */
  maxQueueBytes: number
  /** Longest input line in bytes; longer closes the connection. */
  maxLineBytes: number
  /** How long a graceful close may wait for the peer before the socket is destroyed. */
  closeGraceMs: number
  /**
   * A new member's join is announced at its first line, or after this long
   * without one: the time to recognise an IRC client's handshake and turn it
   * away before the room hears of it.
   */
  joinSniffMs: number
  /** The IRC port, if one is listening: named in the line that turns an IRC client away. */
  ircPort?: () => number | undefined
  /** Speak TLS (nc and telnet users then need `openssl s_client`). Absent: plain TCP. */
  tls?: ServerTls
  /**
   * CHAT_TOKEN's check (kit createTokenCheck): set, a connection's first line
   * must be `/auth TOKEN`, and it is no member of the room before.
   */
  checkToken?: (candidate: unknown) => boolean
  /** With checkToken: how long a connection has for its `/auth` before it is closed. */
  authTimeoutMs: number
}

/**
 * What a plain-text client (nc, telnet) on the TLS port reads before the
 * close, in the port's error style: how to connect instead.
 */
export function tlsRequiredLine (port: number | undefined): string {
  const text = `this port speaks TLS: nc and telnet cannot talk to it; connect with openssl s_client -quiet -connect host:${port ?? 'port'} (or another TLS client)`
  // The code is never shown on this port (see formatLine).
  return formatLine({ type: 'error', code: ChatErrorCodes.BAD_REQUEST, text }, '')
}

/** Idle time before the first TCP keep-alive probe. */
const KEEPALIVE_DELAY_MS = 60_000

/** The TCP side: a net.Server (a tls.Server with `tls`) whose connections become room members (TcpConnection). */
export class TcpTransport {
  readonly server: net.Server
  /** What the metrics read. */
  readonly stats = new ChatTransportStats()
  readonly #ctx: TcpContext

  constructor (options: TcpTransportOptions) {
    this.#ctx = {
      ...options,
      // end: what a shutdown does to a member the room somehow did not close; destroy: after closeGraceMs.
      connections: new ConnectionSet({ closeGraceMs: options.closeGraceMs, end: (c) => { c.close(LeaveReasons.SHUTDOWN, true) }, destroy: (c) => { c.destroy() } }),
      writer: new TurnWriter({ maxQueueBytes: options.maxQueueBytes, stats: this.stats }),
      stats: this.stats
    }
    // noDelay: a chat line is interactive, and one loop turn's lines already leave in one write,
    // so Nagle would only add delay. keepAlive: the kernel's probes find an idle nc user whose
    // machine vanished, without a timer per client.
    this.server = createStreamServer({
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
      tls: options.tls,
      plainTextRefusal: tlsRequiredLine
    }, this.#onConnection)
    this.server.on('error', this.#onServerError)
  }

  get connections (): number {
    return this.#ctx.connections.size
  }

  async listen (port: number, host: string): Promise<AddressInfo> {
    return await listen(this.server, port, host)
  }

  /** Refuses new connections from now on; resolves once the listener is closed (open connections stay). */
  async stopAccepting (): Promise<void> {
    await stopListening(this.server)
  }

  /**
   * Stops accepting and closes every connection: the room has already told its
   * members and closed them gracefully (room.shutdown()); those still open after
   * closeGraceMs are destroyed. Resolves when none is left.
   */
  async stop (): Promise<void> {
    const serverClosed = this.stopAccepting()
    await this.#ctx.connections.close()
    await serverClosed
    this.server.off('error', this.#onServerError)
    this.#ctx.writer.flush()
  }

  /** Resolves when no connection is left; every caller gets the same promise. */
  async drained (): Promise<void> {
    await this.#ctx.connections.whenEmpty()
  }

  readonly #onConnection = (socket: net.Socket): void => {
    void new TcpConnection(socket, this.#ctx)
  }

  readonly #onServerError = (err: Error): void => {
    this.#ctx.logger.warn({ err: err.message }, 'tcp server error')
  }
}
