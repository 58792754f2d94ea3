import type { AddressInfo } from 'node:net'
import { createTokenCheck, type Health, type HttpLimits, type ServerTls } from '@eventwire/kit'
import type { AppMetrics } from '@eventwire/kit/metrics'
import { registerOpsRoutes } from '@eventwire/kit/web'
import { assertNumberOption, ErrorCodes, ProtocolError, silentAppLogger, type AppLogger } from '@eventwire/protocol'
import type { NickStore } from './core/nick-registry.js'
import type { RateLimitOptions } from './core/rate-limit.js'
import type { RoomBus } from './core/room-bus.js'
import { ChatRoom } from './core/room.js'
import type { ChatCluster } from './cluster/chat-cluster.js'
import { DEFAULT_IRC_CHANNEL, DEFAULT_IRC_MOTD, IrcTransport } from './irc/irc-transport.js'
import { createChatOps } from './ops/chat-ops.js'
import { TcpTransport } from './tcp/tcp-transport.js'
import { WebTransport } from './web/web-transport.js'

export interface ChatServerOptions {
  /** Messages replayed to a member who joins. Default 20; 0 disables. */
  historySize?: number
  /** Longest message in characters after cleaning. Default 2000. */
  maxMessageLength?: number
  /** Per-member token bucket over incoming lines/requests. Default `{ burst: 10, perSecond: 5 }`. */
  rateLimit?: RateLimitOptions
  /**
   * Outgoing bytes queued for one member (its socket's `writableLength`, for TCP
   * and WebSocket alike) past which it is disconnected as too slow. Default 256 KiB.
   */
  maxQueueBytes?: number
  /** Longest TCP input line and WebSocket message (`maxPayload`) in bytes. Default 8 KiB. */
  maxLineBytes?: number
  /** WebSocket ping and IRC PING period; a browser or IRC client silent for a whole period is dropped. Default 30 s. */
  heartbeatIntervalMs?: number
  /** How long a graceful disconnect or shutdown waits for the peer before cutting it. Default 2 s. */
  closeGraceMs?: number
  /** Past this many members, joins and leaves come as one digest per presenceDigestMs (ChatRoomOptions). Default 200; 0: never. */
  presenceDigestAbove?: number
  /** @deprecated presenceDigestAbove under its old name. */
  announceLimit?: number
  /** The presence digest's period. Default 1000 ms. */
  presenceDigestMs?: number
  /** `/who`, IRC NAMES and IRC WHO list at most this many names at once. Default 200. */
  whoPageSize?: number
  /**
   * A TCP member's join is announced at its first line or after this long,
   * whichever comes first; an IRC handshake before then is turned away
   * without the room hearing of it. Default 300 ms.
   */
  joinSniffMs?: number
  /**
   * Browser origins allowed to open `/ws` besides the page's own
   * (`scheme://host[:port]`). Clients that send no Origin always may.
   */
  allowedOrigins?: readonly string[]
  /** The IRC channel, which is the room. Default `#eventwire`. */
  ircChannel?: string
  /** The IRC channel's topic (332 on join, TOPIC). Default: none. */
  ircTopic?: string
  /** The IRC message of the day, lines split on `\n`; '' answers 422. Default: DEFAULT_IRC_MOTD. */
  ircMotd?: string
  /** Header, request and idle deadlines and the connection cap of the web port (slowloris). Default: DEFAULT_HTTP_LIMITS. */
  httpLimits?: HttpLimits
  /**
   * TLS on all three ports (`TLS_CERT_FILE`/`TLS_KEY_FILE`): TCP and IRC over
   * TLS, HTTPS and WSS on the web port. A plain-text client is told so and closed. Absent: plain.
   */
  tls?: ServerTls
  /**
   * CHAT_TOKEN: a shared secret every member must give before it joins: TCP
   * `/auth TOKEN` as the first line, WebSocket `Authorization: Bearer TOKEN`
   * or `/ws?token=TOKEN`, IRC `PASS TOKEN`. Compared in constant time, never logged. Absent: open room.
   */
  token?: string
  /** With `token`: how long a TCP connection has for its `/auth` line. Default 10 s. */
  authTimeoutMs?: number
  /** The room's ordered log of room-wide events (RoomBus). Default: in-process (LocalBus). */
  bus?: RoomBus
  /** Who holds which nickname (NickStore). Default: in-process (NickRegistry). */
  nicks?: NickStore
  /**
   * Cluster mode (startChatCluster): the room's bus and nick store are the
   * cluster's, /healthz, /readyz and /metrics report its Redis link, and close() closes it.
   */
  cluster?: ChatCluster
  logger?: AppLogger
}

export interface ListenOptions {
  /** TCP (netcat/telnet) port; 0 picks a free one. */
  port: number
  /** HTTP page + WebSocket port; 0 picks a free one. */
  webPort: number
  /** IRC port; 0 picks a free one; absent: no IRC listener. */
  ircPort?: number
  /** Bind address for both. Default 127.0.0.1. */
  host?: string
}

/** A chat server with both transports. Build with createChatServer(). */
export interface ChatServer {
  /** The transport-agnostic core, for introspection (members, history). */
  readonly room: ChatRoom
  readonly tcp: TcpTransport
  readonly web: WebTransport
  readonly irc: IrcTransport
  /** Liveness and readiness, as `GET /healthz` and `GET /readyz` on the web port answer them. */
  readonly health: Health
  /** This server's metrics (`metrics.registry`, its own prom-client Registry), as `GET /metrics` answers them. */
  readonly metrics: AppMetrics
  /** Binds the ports; resolves with the addresses really bound (`irc` when `ircPort` was given). */
  listen: (options: ListenOptions) => Promise<{ tcp: AddressInfo, web: AddressInfo, irc?: AddressInfo }>
  /**
   * Graceful stop: refuse new connections, tell every member the server is
   * shutting down, let them take that last line (up to closeGraceMs), close.
   */
  close: () => Promise<void>
}

export const DEFAULT_MAX_QUEUE_BYTES = 256 * 1024
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000
export const DEFAULT_CLOSE_GRACE_MS = 2000
export const DEFAULT_JOIN_SNIFF_MS = 300
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000

/** The transports' options with defaults applied; a bad one throws ERR_INVALID_OPTION before anything is built. */
function resolveTransportOptions (options: ChatServerOptions): { maxQueueBytes: number, maxLineBytes: number, heartbeatIntervalMs: number, closeGraceMs: number, joinSniffMs: number, authTimeoutMs: number } {
  const resolved = {
    maxQueueBytes: options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    closeGraceMs: options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
    joinSniffMs: options.joinSniffMs ?? DEFAULT_JOIN_SNIFF_MS,
    authTimeoutMs: options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS
  }
  assertNumberOption('maxQueueBytes', resolved.maxQueueBytes, 1, { integer: true })
  assertNumberOption('maxLineBytes', resolved.maxLineBytes, 1, { integer: true })
  assertNumberOption('heartbeatIntervalMs', resolved.heartbeatIntervalMs, 1)
  assertNumberOption('closeGraceMs', resolved.closeGraceMs, 0)
  assertNumberOption('joinSniffMs', resolved.joinSniffMs, 0)
  assertNumberOption('authTimeoutMs', resolved.authTimeoutMs, 1)
  return resolved
}

/** The token option as kit's constant-time check; a token that is not a non-empty string throws ERR_INVALID_OPTION. */
function tokenCheck (token: unknown): ((candidate: unknown) => boolean) | undefined {
  if (token === undefined) return undefined
  // The message never quotes the value: it may be most of a secret.
  if (typeof token !== 'string' || token === '') throw new ProtocolError(ErrorCodes.INVALID_OPTION, 'option token must be a non-empty string (or absent for an open room)', { option: 'token' })
  return createTokenCheck(token)
}

/** The three transports over one room, built from the resolved options. */
function buildTransports (room: ChatRoom, options: ChatServerOptions, logger: AppLogger): { tcp: TcpTransport, web: WebTransport, irc: IrcTransport } {
  const { maxQueueBytes, maxLineBytes, heartbeatIntervalMs, closeGraceMs, joinSniffMs, authTimeoutMs } = resolveTransportOptions(options)
  const { tls } = options
  const checkToken = tokenCheck(options.token)
  const irc = new IrcTransport({
    room,
    logger,
    maxQueueBytes,
    maxLineBytes,
    closeGraceMs,
    pingIntervalMs: heartbeatIntervalMs,
    channel: options.ircChannel ?? DEFAULT_IRC_CHANNEL,
    topic: options.ircTopic,
    motd: options.ircMotd ?? DEFAULT_IRC_MOTD,
    tls,
    checkToken
  })
  // An IRC client on the plain port is told where IRC is.
  const ircPort = (): number | undefined => (irc.server.address() as AddressInfo | null)?.port
  const tcp = new TcpTransport({ room, logger, maxQueueBytes, maxLineBytes, closeGraceMs, joinSniffMs, ircPort, tls, checkToken, authTimeoutMs })
  const web = new WebTransport({
    room,
    logger,
    maxQueueBytes,
    maxPayloadBytes: maxLineBytes,
    heartbeatIntervalMs,
    closeGraceMs,
    allowedOrigins: options.allowedOrigins ?? [],
    httpLimits: options.httpLimits,
    tls,
    checkToken
  })
  return { tcp, web, irc }
}

/**
 * Graceful stop, once however often called: /readyz fails at once (a load
 * balancer stops sending members here), nobody new, then the goodbye to
 * everyone, then wait (at most closeGraceMs) for them to go; the cluster last,
 * since its clean stop announces the leaves of the members just closed.
 */
function closer (room: ChatRoom, { tcp, web, irc }: { tcp: TcpTransport, web: WebTransport, irc: IrcTransport }, health: Health, cluster: ChatServerOptions['cluster']): () => Promise<void> {
  let closing: Promise<void> | undefined
  return async () => {
    closing ??= (async () => {
      health.markDraining()
      web.stopAccepting()
      const tcpListenerClosed = tcp.stopAccepting()
      const ircListenerClosed = irc.stopAccepting()
      room.shutdown()
      await Promise.all([tcpListenerClosed, ircListenerClosed, tcp.stop(), web.stop(), irc.stop()])
      await cluster?.close()
    })()
    await closing
  }
}

/**
 * Builds the chat server: one room, a TCP transport for netcat/telnet users,
 * a WebSocket transport (with the browser page) and an IRC transport (one
 * channel). The web port also answers `GET /healthz`, `GET /readyz` (ready
 * once every port listens; in cluster mode only while Redis is reachable)
 * and `GET /metrics`. Nothing listens until `listen()`.
 */
export function createChatServer (options: ChatServerOptions = {}): ChatServer {
  const logger = options.logger ?? silentAppLogger
  const room = new ChatRoom({
    historySize: options.historySize,
    maxMessageLength: options.maxMessageLength,
    rateLimit: options.rateLimit,
    presenceDigestAbove: options.presenceDigestAbove,
    announceLimit: options.announceLimit,
    presenceDigestMs: options.presenceDigestMs,
    whoPageSize: options.whoPageSize,
    bus: options.bus ?? options.cluster?.bus,
    nicks: options.nicks ?? options.cluster?.nicks,
    logger
  })
  const transports = buildTransports(room, options, logger)
  const { tcp, web, irc } = transports
  const ops = createChatOps(room, { tcp, irc, ws: web }, options.cluster)
  registerOpsRoutes(web.app, ops)
  const close = closer(room, transports, ops.health, options.cluster)
  return {
    room,
    tcp,
    web,
    irc,
    health: ops.health,
    metrics: ops.metrics,
    async listen ({ port, webPort, ircPort, host = '127.0.0.1' }) {
      const tcpAddress = await tcp.listen(port, host)
      try {
        const webAddress = await web.listen(webPort, host)
        const bound = ircPort === undefined ? { tcp: tcpAddress, web: webAddress } : { tcp: tcpAddress, web: webAddress, irc: await irc.listen(ircPort, host) }
        ops.health.markListening()
        return bound
      } catch (err) {
        // Don't leave a port bound when another fails (EADDRINUSE).
        await close()
        throw err
      }
    },
    close
  }
}
