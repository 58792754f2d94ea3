import type { Socket } from 'node:net'
import { TelnetFilter, type AppLogger, type ProtocolError } from '@eventwire/protocol'
import { guard } from '@eventwire/kit'
import type { TransportStats } from '@eventwire/kit/metrics'
import { firstRequestReply, idleReply, replyBytesFor, tooLongReply } from './describe.js'
import { DropReasons } from './ops.js'
import { firstDeadlineMs } from './options.js'
import { RequestFramer } from './request-framer.js'

export interface ConnectionOptions {
  maxLineBytes: number
  /** 0 disables the idle timeout. */
  idleTimeoutMs: number
  /** A connection with no complete request this long after connecting is closed; 0 disables. */
  firstRequestTimeoutMs: number
  /** A 3-digit unfinished line quiet this long is answered as if it had ended; 0 disables. */
  quietReplyMs: number
  /** After we end our side, how long the peer gets to read and close before we destroy. */
  closeGraceMs: number
  logger: AppLogger
  /** The server's counters: a field added to per line, never an allocation. */
  stats: TransportStats
  onClose: (connection: StatusConnection) => void
}

/**
 * One client of the status protocol. Every complete line gets exactly one reply,
 * in order. Replies to all lines of one socket chunk go out in one write, so a
 * pipelining client costs one syscall per chunk, not per request. When the
 * client does not read, we stop reading too (backpressure): what we hold is at
 * most the replies to one chunk plus the socket's high-water mark.
 *
 * Timers: the socket's own timeout (first-request deadline, then idle), a
 * quiet timer only while an unfinished 3-digit line waits (EarlyAnswer), and
 * the grace timer once we have ended our side.
 */
export class StatusConnection {
  /** What the protocol is spoken over: the TCP socket, or the TLS one on a TLS port. */
  readonly socket: Socket
  /** The TCP socket under it (`socket` itself without TLS): a hard stop resets this one. */
  readonly tcp: Socket
  /** The client's address as counted for the per-address limit. */
  readonly remoteAddress: string
  readonly #options: ConnectionOptions
  readonly #framer: RequestFramer
  /** Debian's telnet works as a client: IAC sequences never reach the line protocol. */
  readonly #telnet: TelnetFilter
  #interrupted = false
  /** Epoch ms by which a first complete request must have come; 0 once one has (or when disabled). */
  #firstRequestBy = 0
  /**
   * Replies produced while one chunk is parsed, as bytes (known codes share one
   * Buffer each), written in one go after it: at most the replies to one chunk.
   */
  readonly #out: Buffer[] = []
  #outBytes = 0
  #closeAfterFlush = false
  #ending = false
  #graceTimer: NodeJS.Timeout | null = null

  /** `acceptedAt`: when the TCP connection was accepted (a TLS one is served after its handshake; the deadlines count from accept). */
  constructor (socket: Socket, remoteAddress: string, options: ConnectionOptions, acceptedAt = Date.now(), tcp = socket) {
    this.socket = socket
    this.tcp = tcp
    this.remoteAddress = remoteAddress
    this.#options = options
    this.#framer = new RequestFramer({ ...options, onLine: this.#onLine, onTooLong: this.#onTooLarge, onQuietLine: this.#onQuietLine })
    this.#telnet = new TelnetFilter({ reply: this.#writeTelnet, onCommand: (command) => { if (command === 'interrupt') this.#interrupted = true } })
    socket.setNoDelay(true)
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('drain', this.#onDrain)
    socket.on('timeout', this.#onTimeout)
    socket.on('error', this.#onError)
    socket.on('close', this.#onClose)
    const first = firstDeadlineMs(options)
    if (first.firstRequest) {
      this.#firstRequestBy = acceptedAt + first.ms
      // Already past it (a slow handshake): the timeout fires at once and says so.
      socket.setTimeout(Math.max(1, this.#firstRequestBy - Date.now()))
    } else if (first.ms > 0) {
      socket.setTimeout(first.ms)
    }
  }

  /** True once we have ended (or are ending) our side. */
  get ending (): boolean {
    return this.#ending
  }

  /**
   * Graceful close: everything read so far has already been answered (replies
   * are synchronous); flush those replies, then send FIN. Input arriving later
   * is not answered.
   */
  shutdown (): void {
    this.#end()
  }

  // A bug in the handling of one client's input fails that connection, never the process.
  readonly #onData = guard((data: Buffer): void => {
    if (this.#ending) return // in the grace period: read and drop so the peer's FIN can reach us
    // Telnet first: the early-answer check must see the same bytes the splitter does.
    this.#framer.push(this.#telnet.push(data))
    if (this.#firstRequestBy !== 0) this.#checkFirstRequest()
    this.#flush()
    // telnet's Ctrl-C: answered what came before it (and its timing mark), then close.
    if (this.#interrupted) this.#end()
  }, (err) => {
    this.#options.logger.error({ remote: this.remoteAddress, err: String(err) }, 'error handling client input; closing the connection')
    this.#options.stats.drop(DropReasons.INPUT_ERROR)
    this.socket.destroy()
  })

  readonly #onLine = (line: string): void => {
    if (this.#firstRequestBy !== 0) this.#gotFirstRequest()
    const stats = this.#options.stats
    stats.framesIn++
    stats.framesOut++
    this.#queue(replyBytesFor(line))
  }

  #queue (bytes: Buffer): void {
    this.#out.push(bytes)
    this.#outBytes += bytes.length
  }

  /** The unfinished line was three digits and the client went quiet: its reply goes out now. */
  readonly #onQuietLine = (): void => {
    if (!this.#ending) this.#flush()
  }

  #gotFirstRequest (): void {
    this.#firstRequestBy = 0
    this.socket.setTimeout(this.#options.idleTimeoutMs)
  }

  /**
   * Still no complete request: the deadline holds from connect, whatever trickles
   * in meanwhile (the socket timeout alone restarts with every byte).
   */
  #checkFirstRequest (): void {
    const left = this.#firstRequestBy - Date.now()
    if (left <= 0) this.#closeWith(firstRequestReply(this.#options.firstRequestTimeoutMs), DropReasons.FIRST_REQUEST)
    else this.socket.setTimeout(left)
  }

  readonly #onTooLarge = (err: ProtocolError): void => {
    this.#options.logger.debug({ remote: this.socket.remoteAddress, err: err.message }, 'line too long; closing connection')
    this.#queue(Buffer.from(tooLongReply(this.#options.maxLineBytes)))
    this.#options.stats.framesOut++
    this.#options.stats.drop(DropReasons.LINE_TOO_LONG)
    this.#closeAfterFlush = true
  }

  #flush (): void {
    const out = this.#out
    if (out.length > 0) {
      // One reply is written as it is (a shared Buffer); several are copied into one, one write for the chunk.
      const ok = this.socket.write(out.length === 1 ? out[0] as Buffer : Buffer.concat(out, this.#outBytes))
      out.length = 0
      this.#outBytes = 0
      if (!ok && !this.#closeAfterFlush) this.socket.pause()
    }
    if (this.#closeAfterFlush) this.#end()
  }

  /** Negotiation answers are written on the peer's behalf: under the same backpressure as replies. */
  readonly #writeTelnet = (bytes: Buffer): void => {
    if (!this.socket.write(bytes) && !this.#ending) this.socket.pause()
  }

  readonly #onDrain = (): void => {
    if (!this.#ending) this.socket.resume()
  }

  /** The client half-closed (e.g. `nc` at end of input): answer an unterminated last line, then close. */
  readonly #onEnd = (): void => {
    if (this.#ending) return
    this.#framer.end()
    this.#flush()
    this.#end()
  }

  readonly #onTimeout = (): void => {
    if (this.#ending) {
      this.socket.destroy()
      return
    }
    const { firstRequestTimeoutMs, idleTimeoutMs } = this.#options
    if (this.#firstRequestBy !== 0) this.#closeWith(firstRequestReply(firstRequestTimeoutMs), DropReasons.FIRST_REQUEST)
    else this.#closeWith(idleReply(idleTimeoutMs), DropReasons.IDLE)
  }

  /** One last `Error:` line (not a reply to a request), then close. */
  #closeWith (line: string, reason: string): void {
    this.#options.stats.framesOut++
    this.#options.stats.drop(reason)
    this.#queue(Buffer.from(line))
    this.#closeAfterFlush = true
    this.#flush()
  }

  readonly #onError = (err: Error): void => {
    // Resets and broken pipes are a client's business; 'close' follows and cleans up.
    this.#options.logger.debug({ remote: this.socket.remoteAddress, err: err.message }, 'client socket error')
  }

  #end (): void {
    if (this.#ending) return
    this.#ending = true
    this.#framer.stop()
    this.socket.end()
    // Keep reading (and dropping) so a client still sending cannot wedge the close;
    // a client that never closes its side is destroyed after closeGraceMs.
    this.socket.resume()
    this.#graceTimer = setTimeout(this.#onGraceOver, this.#options.closeGraceMs)
  }

  readonly #onGraceOver = (): void => {
    this.#graceTimer = null
    this.socket.destroy()
  }

  readonly #onClose = (): void => {
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer)
    this.#graceTimer = null
    this.#framer.stop()
    const socket = this.socket
    socket.setTimeout(0)
    socket.off('data', this.#onData)
    socket.off('end', this.#onEnd)
    socket.off('drain', this.#onDrain)
    socket.off('timeout', this.#onTimeout)
    socket.off('close', this.#onClose)
    // The 'error' listener stays: a late error on a dead socket must not crash the process.
    this.#options.onClose(this)
  }
}
