import { DEFAULT_CLOSE_GRACE_MS as KIT_CLOSE_GRACE_MS, type ServerTls } from '@eventwire/kit'
import { assertNumberOption, silentAppLogger, type AppLogger } from '@eventwire/protocol'

/** Defaults of the options below; src/config.ts (so --help) and the README show these. */
export const DEFAULT_MAX_LINE_BYTES = 1024
export const DEFAULT_MAX_CONNECTIONS = 1000
/** A tenth of the server: one client (address) cannot take every slot. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000
/** Seconds, not minutes: a connection that never asks holds a slot for nothing. */
export const DEFAULT_FIRST_REQUEST_TIMEOUT_MS = 10_000
/** Long enough for a request split over a slow link, short enough that a person sees no wait. */
export const DEFAULT_QUIET_REPLY_MS = 100
/** The kit's grace, as every app uses it. */
export const DEFAULT_CLOSE_GRACE_MS = KIT_CLOSE_GRACE_MS

export interface StatusServerOptions {
  /** Longest request line, in bytes; a longer one gets an error line and the connection is closed. Default 1024. */
  maxLineBytes?: number
  /** Connections served at once; one more gets an error line and is closed. Default 1000. */
  maxConnections?: number
  /** Connections served at once from one remote address; one more gets an error line and is closed. Default 100. */
  maxConnectionsPerAddress?: number
  /** A connection silent for this long gets an error line and is closed; 0 disables. Default 300 000 (5 min). */
  idleTimeoutMs?: number
  /**
   * A connection that has not sent one complete request this long after connecting
   * gets an error line and is closed, however many bytes it trickles; 0 disables.
   * Applies only when shorter than idleTimeoutMs. Default 10 000.
   */
  firstRequestTimeoutMs?: number
  /**
   * An unfinished line of exactly three digits, with nothing more for this long,
   * is answered as if its line end had come (a line end arriving later only
   * closes it); 0 disables. Default 100.
   */
  quietReplyMs?: number
  /**
   * Once the server has ended a connection (close(), a timeout, a line too long,
   * a refusal), how long the client gets to read and close its side before it is
   * destroyed. Default 2000.
   */
  closeGraceMs?: number
  /** pino or anything with info/warn/debug(fields, message). Default: silent. */
  logger?: AppLogger
  /**
   * Certificate and key (PEM): the TCP port speaks TLS (a plain-text client is
   * told so in one `Error:` line and closed) and the admin port HTTPS. Default: plain.
   */
  tls?: ServerTls
}

export type ResolvedStatusOptions = Required<Omit<StatusServerOptions, 'tls'>> & { tls: ServerTls | undefined }

/** The options with their defaults, each checked (ProtocolError ERR_INVALID_OPTION naming the option). */
export function resolveStatusOptions (options: StatusServerOptions): ResolvedStatusOptions {
  const resolved: ResolvedStatusOptions = {
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    firstRequestTimeoutMs: options.firstRequestTimeoutMs ?? DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
    quietReplyMs: options.quietReplyMs ?? DEFAULT_QUIET_REPLY_MS,
    closeGraceMs: options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
    logger: options.logger ?? silentAppLogger,
    tls: options.tls
  }
  assertNumberOption('maxLineBytes', resolved.maxLineBytes, 1, { integer: true })
  assertNumberOption('maxConnections', resolved.maxConnections, 1, { integer: true })
  assertNumberOption('maxConnectionsPerAddress', resolved.maxConnectionsPerAddress, 1, { integer: true })
  assertNumberOption('idleTimeoutMs', resolved.idleTimeoutMs, 0)
  assertNumberOption('firstRequestTimeoutMs', resolved.firstRequestTimeoutMs, 0)
  assertNumberOption('quietReplyMs', resolved.quietReplyMs, 0)
  assertNumberOption('closeGraceMs', resolved.closeGraceMs, 0)
  return resolved
}

/**
 * The deadline a new connection starts under, from accept: the first-request
 * one when it applies (shorter than the idle timeout), else the idle one; 0: none.
 */
export function firstDeadlineMs ({ firstRequestTimeoutMs, idleTimeoutMs }: Pick<ResolvedStatusOptions, 'firstRequestTimeoutMs' | 'idleTimeoutMs'>): { ms: number, firstRequest: boolean } {
  if (firstRequestTimeoutMs > 0 && (idleTimeoutMs === 0 || firstRequestTimeoutMs < idleTimeoutMs)) return { ms: firstRequestTimeoutMs, firstRequest: true }
  return { ms: idleTimeoutMs, firstRequest: false }
}
