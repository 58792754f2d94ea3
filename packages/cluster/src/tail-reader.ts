import { setTimeout as sleep } from 'node:timers/promises'
import type { LinkState, RedisLink } from './connection.js'
import { ClusterError } from './errors.js'
import { toEntry, type CheckVerdict, type LogEntry, type LogPosition, type RawEntry, type StreamLog } from './stream-log.js'

export const DEFAULT_BLOCK_MS = 5000
export const DEFAULT_READ_COUNT = 256

export interface Gap {
  /** How many entries were trimmed before this reader read them. */
  missed: number
  /** The last seq delivered before the gap, and the first one after it. */
  afterSeq: number
  nextSeq: number
}

export interface Reset {
  epoch: string
  previous: string
  /** `recreated`: the log was deleted or Redis lost its data; `rewound`: Redis lost entries already delivered. */
  reason: Exclude<CheckVerdict, 'ok'>
  /** Where reading continues in the new epoch. */
  position: LogPosition
}

/** What a reader calls. Each call is awaited before the next read, so a slow handler slows the reader, not memory. */
export interface TailHandler {
  /** Entries in log order, each exactly once per epoch. */
  entries: (entries: LogEntry[]) => void | Promise<void>
  /** Entries were trimmed before this reader got them: called before the entries that follow them. */
  gap?: (gap: Gap) => void | Promise<void>
  /** Positions of the old epoch are void; entries of the new epoch follow. */
  reset?: (reset: Reset) => void | Promise<void>
  /** The blocking connection's state. */
  state?: (state: LinkState) => void
  /** Errors the reader recovered from (Redis down, handler threw), for logs. */
  error?: (err: Error) => void
}

export interface TailOptions {
  /** `end`: only entries appended after start; `start`: the oldest kept; or a position seen before. */
  from: 'start' | 'end' | (LogPosition & { epoch?: string })
  /** XREAD BLOCK time; the connection's command timeout is this plus a second. Default 5000. */
  blockMs?: number
  /** Entries per read; default 256. */
  count?: number
  /** CLIENT SETNAME of the blocking connection. */
  name?: string
}

/**
 * Delivers a StreamLog's entries in order with XREAD BLOCK on a connection of its own. After any
 * error (connection killed, Redis restarted) it checks its position against the log, then resumes
 * from its last id: nothing is skipped or delivered twice; trimmed entries are a `gap`, a new log a `reset`.
 */
export class TailReader {
  readonly log: StreamLog
  #handler: TailHandler
  #blocking: RedisLink
  #position: LogPosition = { id: '0-0', seq: 0 }
  #epoch: string | undefined
  #blockMs: number
  #count: number
  #from: TailOptions['from']
  #abort = new AbortController()
  #loop: Promise<void> | undefined
  #checkedClean = false

  constructor (log: StreamLog, handler: TailHandler, options: TailOptions) {
    this.log = log
    this.#handler = handler
    this.#blockMs = options.blockMs ?? DEFAULT_BLOCK_MS
    this.#count = options.count ?? DEFAULT_READ_COUNT
    this.#from = options.from
    this.#blocking = log.link.duplicate(options.name ?? `${log.link.options.name}:tail:${log.name}`, { commandTimeoutMs: this.#blockMs + 1000, heartbeatMs: 0 })
    this.#blocking.on('state', this.#onState)
  }

  /** The last entry delivered (or where reading starts). */
  get position (): LogPosition { return { ...this.#position } }
  /** The epoch the position belongs to. */
  get epoch (): string | undefined { return this.#epoch }

  /** Resolves the start position and starts reading; rejects (and closes) if Redis is not reachable. */
  async start (): Promise<void> {
    if (this.#loop !== undefined) return
    try {
      await this.#blocking.waitReady(this.log.link.options.connectTimeoutMs, this.#abort.signal)
      let needCheck = true
      if (this.#from === 'end') {
        const at = await this.log.position()
        this.#position = { id: at.id, seq: at.seq }
        this.#epoch = at.epoch
        needCheck = false
      } else if (this.#from !== 'start') {
        this.#position = { id: this.#from.id, seq: this.#from.seq }
        this.#epoch = this.#from.epoch
      }
      if (needCheck) await this.#validate()
    } catch (err) {
      await this.close()
      throw err
    }
    this.#loop = this.#run()
  }

  /** Stops reading and drops the blocking connection; resolves when the loop has ended. */
  async close (): Promise<void> {
    this.#abort.abort()
    this.#blocking.off('state', this.#onState)
    await this.#blocking.quit({ now: true })
    await this.#loop
  }

  async #run (): Promise<void> {
    let needCheck = false
    let delay = 50
    while (!this.#abort.signal.aborted) {
      try {
        if (needCheck) await this.#validate()
        needCheck = false
        const reply = await this.#blocking.run('tail read', async (r) => await r.xread('COUNT', this.#count, 'BLOCK', this.#blockMs, 'STREAMS', this.log.streamKey, this.#position.id)) as Array<[string, RawEntry[]]> | null
        if (this.#abort.signal.aborted) break
        delay = 50
        const rows = reply?.[0]?.[1]
        if (rows !== undefined && rows.length > 0) needCheck = !await this.#deliver(rows.map(toEntry))
      } catch (err) {
        if (this.#abort.signal.aborted) break
        needCheck = true
        this.#report(err)
        await this.#pause(delay)
        delay = Math.min(delay * 2, 1000)
      }
    }
  }

  /** Hands over the entries that continue the position; false when the log is not the one we read. */
  async #deliver (entries: LogEntry[]): Promise<boolean> {
    const first = entries[0] as LogEntry
    if (first.seq <= this.#position.seq) {
      if (!this.#checkedClean) return false
      // The position was just confirmed, so these can only be copies of what was delivered: skip them.
      const last = entries[entries.length - 1] as LogEntry
      const fresh = entries.filter((e) => e.seq > this.#position.seq)
      if (fresh.length === 0) {
        this.#position = { id: last.id, seq: this.#position.seq }
        return true
      }
      entries = fresh
    }
    this.#checkedClean = false
    const head = entries[0] as LogEntry
    if (head.seq > this.#position.seq + 1) {
      await this.#call(async () => await this.#handler.gap?.({ missed: head.seq - this.#position.seq - 1, afterSeq: this.#position.seq, nextSeq: head.seq }))
    }
    let end = 1
    while (end < entries.length && (entries[end] as LogEntry).seq === (entries[end - 1] as LogEntry).seq + 1) end++
    const batch = end === entries.length ? entries : entries.slice(0, end)
    const tail = batch[batch.length - 1] as LogEntry
    this.#position = { id: tail.id, seq: tail.seq }
    await this.#call(async () => await this.#handler.entries(batch))
    return true
  }

  /** Asks the log whether the position still holds; on a new epoch, reports the reset and moves there. */
  async #validate (): Promise<void> {
    const result = await this.log.check(this.#epoch, this.#position)
    const previous = this.#epoch
    this.#epoch = result.epoch
    if (previous === undefined || (result.verdict === 'ok' && result.epoch === previous)) {
      this.#checkedClean = true
      return
    }
    this.#position = result.position
    const reason = result.verdict === 'ok' ? 'recreated' : result.verdict
    await this.#call(async () => await this.#handler.reset?.({ epoch: result.epoch, previous, reason, position: { ...result.position } }))
  }

  async #pause (delay: number): Promise<void> {
    const signal = this.#abort.signal
    try {
      await sleep(delay, undefined, { signal })
      await this.#blocking.waitReady(30_000, signal)
      await this.log.link.waitReady(30_000, signal)
    } catch {
      // Aborted or still down: the loop tries again (and reports again) after the next pause.
    }
  }

  async #call (fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn()
    } catch (err) {
      this.#report(new ClusterError('CLUSTER_HANDLER_FAILED', `tail handler of log ${this.log.name} threw: ${(err as Error).message}`, { cause: err }))
    }
  }

  #report (err: unknown): void {
    try {
      this.#handler.error?.(err instanceof Error ? err : new Error(String(err)))
    } catch {
      // A throwing logger must not stop the reader.
    }
  }

  #onState = (state: LinkState): void => {
    try {
      this.#handler.state?.(state)
    } catch (err) {
      this.#report(err)
    }
  }
}
