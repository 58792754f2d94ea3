import type { AppLogger, ReconnectOptions } from '@eventwire/protocol'
import type { TransportStats } from '@eventwire/kit/metrics'
import type { UpstreamLink } from './upstream-link.js'
import type { UpstreamTls } from './upstream-tls.js'

/** What one link is built with: the pool's settings, and its hooks back into the pool. */
export interface UpstreamLinkOptions {
  host: string
  port: number
  timeoutMs: number
  /** Send a probe after this long without traffic, so idle timeouts and dead peers are noticed. */
  probeIntervalMs: number
  reconnect: ReconnectOptions
  logger: AppLogger
  /** Which link this is, for logs. */
  index: number
  /** Requests on the wire at once (placeholders included); Infinity: pipelined. */
  pipeline: number
  /** Take an unterminated reply after a quiet moment (servers that answer once per read). */
  quietFraming: boolean
  /** A slot freed up, the link came up, or it went down: the pool may dispatch or fail waiting lookups. */
  onChange: () => void
  /** After end() or destroy(): the link is closed for good (its socket too) and will not reconnect. Called once. */
  onClosed: (link: UpstreamLink) => void
  /** Every link's counters (lines, bytes, drops): a field added to per line, nothing allocated. */
  stats: TransportStats
  /** TLS to status-server; null: plain TCP. */
  tls: UpstreamTls | null
}

/**
 * Why a link is not usable, for the 503 message: not connected yet; lost and
 * being reopened (it was up, or the server is closing it); or unreachable (the
 * last connection attempt failed, with its error; `tls`: in its TLS handshake).
 */
export type LinkDown =
  | { readonly state: 'connecting' }
  | { readonly state: 'reconnecting', readonly lastLine: string | null }
  | { readonly state: 'unreachable', readonly error: string, readonly tls: boolean }
