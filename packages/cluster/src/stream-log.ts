import { randomBytes } from 'node:crypto'
import type { RedisLink } from './connection.js'
import { badArgument } from './errors.js'
import { APPEND, CHECK, SINCE, SNAPSHOT } from './log-scripts.js'
import { TailReader, type TailHandler, type TailOptions } from './tail-reader.js'

export const DEFAULT_MAX_LEN = 10_000
export const DEFAULT_DEDUPE_TTL_MS = 120_000
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024

/** One entry: its dense sequence number (1, 2, 3, ... per epoch), its stream id, and the data appended. */
export interface LogEntry { seq: number, id: string, data: string }
/** Where a reader stands: the last entry it has (id `0-0`, seq 0 before the first). */
export interface LogPosition { id: string, seq: number }

export interface StreamLogOptions {
  /** Approximate length the stream is trimmed to (`XADD MAXLEN ~`); default 10,000. */
  maxLen?: number
  /** How long a dedupe id is remembered; default 120 s. */
  dedupeTtlMs?: number
  /** Largest entry accepted, in UTF-8 bytes; default 64 KiB. */
  maxEntryBytes?: number
}

export interface AppendResult extends LogPosition {
  epoch: string
  /** True when `dedupeId` had been appended already: this is the position it got then. */
  duplicate: boolean
}

export interface Snapshot {
  epoch: string
  /** The newest entries, oldest first. */
  entries: LogEntry[]
  /** Resume position consistent with `entries`: a reader started here sees exactly what follows. */
  position: LogPosition
  /** HGETALL of the hash asked for, read in the same atomic step. */
  hash: Record<string, string>
}

export interface Since {
  epoch: string
  /** Entries after the given seq, oldest first (at most `max`, the newest ones). */
  entries: LogEntry[]
  /** Entries after the given seq that are not in `entries` (trimmed, or beyond `max`). */
  missed: number
  /** The position is not from this log: other epoch, or beyond its end. Reload from a snapshot. */
  reset: boolean
  position: LogPosition
}

export type CheckVerdict = 'ok' | 'recreated' | 'rewound'

const NAME = /^[A-Za-z0-9_.:-]{1,100}$/
const DEDUPE_ID = /^[\x21-\x7e]{1,128}$/

/**
 * An ordered, append-only log on one Redis Stream. Appends from any number of connections get one
 * total order and dense sequence numbers; a retried append with the same dedupe id is stored once.
 */
export class StreamLog {
  readonly link: RedisLink
  readonly name: string
  readonly streamKey: string
  readonly metaKey: string
  readonly maxLen: number
  readonly dedupeTtlMs: number
  readonly maxEntryBytes: number

  constructor (link: RedisLink, name: string, options: StreamLogOptions = {}) {
    if (!NAME.test(name)) throw badArgument(`log name must match ${String(NAME)}: ${JSON.stringify(name)}`)
    this.link = link
    this.name = name
    this.streamKey = link.key('log', name)
    this.metaKey = link.key('log', name, 'meta')
    this.maxLen = positive(options.maxLen ?? DEFAULT_MAX_LEN, 'maxLen')
    this.dedupeTtlMs = positive(options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS, 'dedupeTtlMs')
    this.maxEntryBytes = positive(options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES, 'maxEntryBytes')
  }

  /**
   * Appends `data`; resolves once Redis has it. On a `CLUSTER_REDIS_DOWN` rejection it was not
   * appended; on an `uncertain` one, append again with the same `dedupeId` to learn its position.
   */
  async append (data: string, options: { dedupeId?: string } = {}): Promise<AppendResult> {
    const bytes = Buffer.byteLength(data)
    if (bytes > this.maxEntryBytes) throw badArgument(`entry of ${bytes} bytes exceeds maxEntryBytes ${this.maxEntryBytes}`)
    const { dedupeId } = options
    if (dedupeId !== undefined && !DEDUPE_ID.test(dedupeId)) throw badArgument('dedupeId must be 1-128 printable ASCII characters without spaces')
    const keys = [this.streamKey, this.metaKey]
    if (dedupeId !== undefined) keys.push(this.link.key('log', this.name, 'dedupe', dedupeId))
    const reply = await this.link.run('append', async (r) => await APPEND.run(r, keys, [data, this.maxLen, this.dedupeTtlMs, newEpoch()])) as [number, string, string, number]
    return { seq: reply[0], id: reply[1], epoch: reply[2], duplicate: reply[3] === 1 }
  }

  /** The newest `n` entries and the position right after them, plus an optional hash, atomically. */
  async last (n: number, options: { hashKey?: string } = {}): Promise<Snapshot> {
    const keys = [this.streamKey, this.metaKey]
    if (options.hashKey !== undefined) keys.push(options.hashKey)
    const [epoch, seq, rows, flat] = await this.link.run('snapshot', async (r) => await SNAPSHOT.run(r, keys, [Math.max(0, Math.floor(n)), newEpoch()])) as [string, number, RawEntry[], string[]]
    const newest = rows.map(toEntry).reverse()
    const head = newest[newest.length - 1]
    const hash: Record<string, string> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string
    return { epoch, entries: n > 0 ? newest.slice(-n) : [], position: head ? { id: head.id, seq: head.seq } : { id: '0-0', seq }, hash }
  }

  /** The position a new reader should start from to see only what comes next. */
  async position (): Promise<LogPosition & { epoch: string }> {
    const snap = await this.last(0)
    return { ...snap.position, epoch: snap.epoch }
  }

  /** The log's epoch (created if the log has none yet). */
  async epoch (): Promise<string> {
    return (await this.last(0)).epoch
  }

  /**
   * What a client that saw up to `afterSeq` (in `epoch`) missed: at most `max` entries, and how many
   * more it cannot get. `reset` when its position belongs to another epoch.
   */
  async since (afterSeq: number, max: number, epoch?: string): Promise<Since> {
    const limit = Math.max(1, Math.floor(max))
    const [current, seq, rows, want] = await this.link.run('since', async (r) => await SINCE.run(r, [this.streamKey, this.metaKey], [Math.floor(afterSeq), limit, newEpoch()])) as [string, number, RawEntry[], number]
    const entries = rows.map(toEntry).reverse()
    const head = entries[entries.length - 1]
    const position = head ? { id: head.id, seq: head.seq } : { id: '0-0', seq }
    const reset = (epoch !== undefined && epoch !== current) || want < 0
    return { epoch: current, entries: reset ? [] : entries, missed: reset ? 0 : Math.max(0, want - entries.length), reset, position }
  }

  /** Up to `count` entries after stream id `afterId` (`'0-0'` for the oldest), oldest first. */
  async range (afterId: string, count: number): Promise<LogEntry[]> {
    const start = afterId === '0-0' ? '-' : `(${afterId}`
    const rows = await this.link.run('range', async (r) => await r.xrange(this.streamKey, start, '+', 'COUNT', Math.max(1, Math.floor(count)))) as RawEntry[]
    return rows.map(toEntry)
  }

  /** For readers: whether `position` (seen in `epoch`) is still valid, and where to resume. */
  async check (epoch: string | undefined, position: LogPosition): Promise<{ epoch: string, verdict: CheckVerdict, position: LogPosition }> {
    const reply = await this.link.run('check', async (r) => await CHECK.run(r, [this.streamKey, this.metaKey], [epoch ?? '', position.id, position.seq, newEpoch()])) as [string, CheckVerdict, string, number]
    return { epoch: reply[0], verdict: reply[1], position: { id: reply[2], seq: reply[3] } }
  }

  /** A started reader of entries in order from `from`, blocking on its own connection, until closed. */
  async tail (from: TailOptions['from'], handler: TailHandler, options: Omit<TailOptions, 'from'> = {}): Promise<TailReader> {
    const reader = new TailReader(this, handler, { ...options, from })
    await reader.start()
    return reader
  }

  /** Deletes the log (its next use starts a new epoch). Dedupe ids expire on their own. */
  async destroy (): Promise<void> {
    await this.link.run('destroy', async (r) => await r.del(this.streamKey, this.metaKey))
  }
}

/** An XRANGE/XREAD row: [id, [field, value, ...]]. */
export type RawEntry = [string, string[]]

export function toEntry ([id, fields]: RawEntry): LogEntry {
  let seq = 0
  let data = ''
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 's') seq = Number(fields[i + 1])
    else if (fields[i] === 'd') data = fields[i + 1] as string
  }
  return { seq, id, data }
}

function newEpoch (): string {
  return randomBytes(8).toString('hex')
}

function positive (n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw badArgument(`${what} must be a positive integer, got ${n}`)
  return n
}
