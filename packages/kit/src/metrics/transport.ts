import type { AppMetrics, LabelValues } from './app-metrics.js'

/** What a transport counts itself; the others are not reported for it (no misleading zeros). */
export type TransportMeasure = 'accepted' | 'bytes' | 'framesIn' | 'framesOut' | 'messages'

/** A socket's own byte counters (net.Socket has both): read at scrape time, never counted per write. */
export interface SocketCounters {
  readonly bytesRead: number
  readonly bytesWritten: number
}

export interface TransportStatsOptions {
  /** Reasons reported at 0 before the first one happens, so rate() works from the start. */
  refused?: readonly string[]
  dropped?: readonly string[]
  messagesDropped?: readonly string[]
}

/**
 * The counters of one transport (a TCP port, WebSocket, HTTP, an upstream
 * link) as plain numbers: the hot paths add to a field (per chunk or per
 * frame, never per byte) and allocate nothing; TransportMetrics reads them at
 * scrape time. Bytes: a socket's own counters, moved in here when it closes
 * (socketClosed) and summed over the live ones at scrape time.
 */
export class TransportStats {
  accepted = 0
  framesIn = 0
  framesOut = 0
  messagesDelivered = 0
  /** Bytes of closed sockets (and any counted by hand). */
  bytesIn = 0
  bytesOut = 0
  readonly refused = new Map<string, number>()
  readonly dropped = new Map<string, number>()
  readonly messagesDropped = new Map<string, number>()

  constructor (options: TransportStatsOptions = {}) {
    for (const reason of options.refused ?? []) this.refused.set(reason, 0)
    for (const reason of options.dropped ?? []) this.dropped.set(reason, 0)
    for (const reason of options.messagesDropped ?? []) this.messagesDropped.set(reason, 0)
  }

  /** A connection turned away at accept (a cap, shutting down). */
  refuse (reason: string): void {
    bump(this.refused, reason, 1)
  }

  /** A connection we closed ourselves for a reason (slow reader, timeout, bad input). */
  drop (reason: string): void {
    bump(this.dropped, reason, 1)
  }

  /** Messages a peer did not get (slow consumer, rate limit). */
  dropMessages (reason: string, count = 1): void {
    bump(this.messagesDropped, reason, count)
  }

  /** From the socket's 'close', in the same handler that removes it from the live set the scrape sums. */
  socketClosed (socket: SocketCounters): void {
    this.bytesIn += socket.bytesRead
    this.bytesOut += socket.bytesWritten
  }
}

function bump (map: Map<string, number>, reason: string, count: number): void {
  map.set(reason, (map.get(reason) ?? 0) + count)
}

export interface TransportSource {
  /** The `transport` label: `tcp`, `ws`, `http`, `upstream`, `irc`. */
  transport: string
  stats: TransportStats
  counts: readonly TransportMeasure[]
  /** Connections open now. */
  open: () => number
  /** The live sockets, for bytes (with 'bytes' in counts). */
  sockets?: () => Iterable<SocketCounters>
  /** Each connection's unsent bytes now: the send-queue gauges. */
  queuedBytes?: () => Iterable<number>
}

/**
 * The connection metrics every app reports, one series per transport, under
 * the same names in every app (Prometheus' job label tells the apps apart):
 * eventwire_connections_open, _accepted_total, _refused_total{reason},
 * _dropped_total{reason}, eventwire_received_bytes_total,
 * eventwire_sent_bytes_total, eventwire_received_frames_total,
 * eventwire_sent_frames_total, eventwire_messages_delivered_total,
 * eventwire_messages_dropped_total{reason}, eventwire_send_queue_bytes and
 * eventwire_send_queue_max_bytes.
 */
export class TransportMetrics {
  readonly #sources: TransportSource[] = []

  constructor (metrics: AppMetrics) {
    const t = ['transport']
    const tr = ['transport', 'reason']
    const each = (measure: TransportMeasure | null, value: (s: TransportSource) => number) => () => this.#each(measure, value)
    metrics.gauge({ name: 'eventwire_connections_open', help: 'connections open now', labelNames: t, read: each(null, (s) => s.open()) })
    metrics.counter({ name: 'eventwire_connections_accepted_total', help: 'connections accepted and served', labelNames: t, read: each('accepted', (s) => s.stats.accepted) })
    metrics.counter({ name: 'eventwire_connections_refused_total', help: 'connections turned away at accept, by reason', labelNames: tr, read: () => this.#byReason((s) => s.stats.refused) })
    metrics.counter({ name: 'eventwire_connections_dropped_total', help: 'connections closed by the server for a reason (slow reader, timeout, bad input), by reason', labelNames: tr, read: () => this.#byReason((s) => s.stats.dropped) })
    metrics.counter({ name: 'eventwire_received_bytes_total', help: 'bytes received from peers (the sockets\' own counters)', labelNames: t, read: each('bytes', (s) => s.stats.bytesIn + sum(s.sockets, 'bytesRead')) })
    metrics.counter({ name: 'eventwire_sent_bytes_total', help: 'bytes handed to the sockets for peers (the sockets\' own counters)', labelNames: t, read: each('bytes', (s) => s.stats.bytesOut + sum(s.sockets, 'bytesWritten')) })
    metrics.counter({ name: 'eventwire_received_frames_total', help: 'frames (lines, messages) received from peers', labelNames: t, read: each('framesIn', (s) => s.stats.framesIn) })
    metrics.counter({ name: 'eventwire_sent_frames_total', help: 'frames (lines, messages) sent to peers', labelNames: t, read: each('framesOut', (s) => s.stats.framesOut) })
    metrics.counter({ name: 'eventwire_messages_delivered_total', help: 'messages (events, chat lines) handed to a peer', labelNames: t, read: each('messages', (s) => s.stats.messagesDelivered) })
    metrics.counter({ name: 'eventwire_messages_dropped_total', help: 'messages a peer did not get, by reason', labelNames: tr, read: () => this.#byReason((s) => s.stats.messagesDropped) })
    metrics.gauge({ name: 'eventwire_send_queue_bytes', help: 'unsent bytes queued for peers now, all connections', labelNames: t, read: () => this.#queues('sum') })
    metrics.gauge({ name: 'eventwire_send_queue_max_bytes', help: 'the longest send queue of one connection now, bytes', labelNames: t, read: () => this.#queues('max') })
  }

  add (source: TransportSource): void {
    this.#sources.push(source)
  }

  * #each (measure: TransportMeasure | null, value: (s: TransportSource) => number): Iterable<[LabelValues, number]> {
    for (const s of this.#sources) if (measure === null || s.counts.includes(measure)) yield [{ transport: s.transport }, value(s)]
  }

  * #byReason (map: (s: TransportSource) => Map<string, number>): Iterable<[LabelValues, number]> {
    for (const s of this.#sources) for (const [reason, value] of map(s)) yield [{ transport: s.transport, reason }, value]
  }

  * #queues (kind: 'sum' | 'max'): Iterable<[LabelValues, number]> {
    for (const s of this.#sources) {
      if (s.queuedBytes === undefined) continue
      let total = 0
      let max = 0
      for (const bytes of s.queuedBytes()) {
        total += bytes
        if (bytes > max) max = bytes
      }
      yield [{ transport: s.transport }, kind === 'sum' ? total : max]
    }
  }
}

function sum (sockets: (() => Iterable<SocketCounters>) | undefined, field: keyof SocketCounters): number {
  let total = 0
  if (sockets !== undefined) for (const socket of sockets()) total += socket[field]
  return total
}
