import { randomBytes } from 'node:crypto'
import { connectRedis, redactUrl, SharedState, StreamLog, type AppendResult, type LinkState, type LogEntry, type LogPosition, type RedisLink, type Reset, type TailReader } from '@eventwire/cluster'
import { silentAppLogger, type AppLogger } from '@eventwire/protocol'
import { applyDoorEvent, EMPTY_DOOR_SNAPSHOT, type DoorEventListener } from '../door-bus.js'
import type { OfflineVerdict, SharedDoorBus } from '../door-hub.js'
import type { DoorEvent, DoorSnapshot } from '../types.js'
import { decodeDoorEntry, decodeStoredState, stampOf, type DoorEntry, type StoredDoorState } from './door-entry.js'
import { OfflineClaim } from './offline-claim.js'
import { DEFAULT_MAX_PENDING, Outbox } from './outbox.js'

export interface RedisDoorBusOptions {
  /** `REDIS_URL`: redis://[user:password@]host:port[/db]. */
  url: string
  /** `REDIS_PREFIX`: every key starts with it; default `eventwire:`. */
  prefix?: string
  /** Shown in CLIENT LIST and in publish ids; default 16 random hex characters. */
  instanceId?: string
  /** Events waiting for Redis while it is down; past it the oldest is dropped. Default 100. */
  maxPending?: number
  /** Redis command timeout (and the first connect's bound is connectTimeoutMs). Defaults: the cluster package's. */
  commandTimeoutMs?: number
  connectTimeoutMs?: number
  /** The log reader's XREAD BLOCK time; default the cluster package's (5 s). */
  blockMs?: number
  logger?: AppLogger
}

/** Name of the door's log (`<prefix>log:door`) and namespace of its state (`<prefix>door:state`, `door:reading`). */
const DOOR = 'door'
/** Entries read per round trip while a starting instance catches up with the log. */
const CATCH_UP_PAGE = 256
/** How long close() lets events already waiting reach a reachable Redis before dropping them. */
const CLOSE_FLUSH_MS = 1000

/**
 * The DoorBus of several door-server instances sharing one door through Redis.
 * publish() appends the event to one Redis Stream (via a bounded outbox that
 * retries while Redis is down); every instance, the publisher included,
 * delivers from that log with a TailReader, so all of them deliver the same
 * events in the same order. snapshot() is the local fold of what was delivered
 * (synchronous, so a new client's first lines match what follows); after each
 * delivery the fold is stored in Redis (`setIfNewer`, stamped by stream id),
 * which is where a starting instance takes the state from.
 */
export class RedisDoorBus implements SharedDoorBus {
  readonly link: RedisLink
  readonly log: StreamLog
  readonly instanceId: string
  readonly #state: SharedState<StoredDoorState | string>
  readonly #offline: OfflineClaim
  readonly #outbox: Outbox
  readonly #logger: AppLogger
  readonly #maxPending: number
  readonly #listeners = new Set<DoorEventListener>()
  /** Events published here and not yet delivered, in publish order: what expectedSnapshot() adds. */
  readonly #pending = new Map<string, { event: DoorEvent, seq?: number }>()
  #snapshot: DoorSnapshot = EMPTY_DOOR_SNAPSHOT
  #reader: TailReader | null = null
  /** The log's epoch as this instance knows it (positions of another epoch are void). */
  #epoch = ''
  #readerState: LinkState = 'connecting'
  #published = 0
  #delivered = 0
  /** The flag of the last `offline` delivered: the next `online` sent from here clears it. */
  #offlineFlag: string | null = null
  #closed = false

  private constructor (link: RedisLink, options: RedisDoorBusOptions & { instanceId: string }) {
    this.link = link
    this.instanceId = options.instanceId
    this.#logger = options.logger ?? silentAppLogger
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING
    this.log = new StreamLog(link, DOOR)
    this.#state = new SharedState(link, DOOR)
    this.#offline = new OfflineClaim(this.#state as SharedState<string>, this.instanceId, this.#logger)
    this.#outbox = new Outbox(this.log, {
      maxPending: this.#maxPending,
      logger: this.#logger,
      appended: this.#onAppended,
      dropped: (id) => { this.#pending.delete(id) }
    })
    link.on('state', this.#onLinkState)
  }

  /**
   * Connects, takes the door's state from Redis, catches up with the log from
   * there, and starts reading. Rejects with CLUSTER_CONNECT_FAILED when Redis
   * cannot be reached within the connect timeout.
   */
  static async connect (options: RedisDoorBusOptions): Promise<RedisDoorBus> {
    const instanceId = options.instanceId ?? randomBytes(8).toString('hex')
    const link = await connectRedis(options.url, {
      prefix: options.prefix,
      name: `door-server:${instanceId}`,
      commandTimeoutMs: options.commandTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs
    })
    const bus = new RedisDoorBus(link, { ...options, instanceId })
    try {
      await bus.#start(options.blockMs)
    } catch (err) {
      await bus.close()
      throw err
    }
    bus.#logger.info({ redis: redactUrl(options.url), prefix: link.prefix, instanceId, seq: bus.#reader?.position.seq }, 'door cluster bus connected')
    return bus
  }

  publish (event: DoorEvent): void {
    const id = `${this.instanceId}:${++this.#published}`
    const entry: DoorEntry = { e: { name: event.name, at: event.at }, id }
    if (event.name === 'offline' && this.#offline.won !== null) entry.flag = this.#offline.won
    this.#pending.set(id, { event: entry.e })
    // Appended but never seen delivered (the reader is stuck): forget the oldest rather than grow.
    if (this.#pending.size > 2 * this.#maxPending) this.#pending.delete(this.#pending.keys().next().value as string)
    this.#outbox.push(id, JSON.stringify(entry))
  }

  subscribe (listener: DoorEventListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  snapshot (): DoorSnapshot {
    return { ...this.#snapshot }
  }

  expectedSnapshot (): DoorSnapshot {
    let state = this.#snapshot
    for (const { event } of this.#pending.values()) state = applyDoorEvent(state, event)
    return { ...state }
  }

  sensorAlive (at: number): void {
    if (!this.#closed) this.#offline.alive(at)
  }

  async offlineDue (offlineAfterMs: number, sourceEnded: boolean): Promise<OfflineVerdict> {
    if (this.#closed || !this.expectedSnapshot().online) return { action: 'none' }
    return await this.#offline.due(offlineAfterMs, sourceEnded)
  }

  health (): { ready: boolean, redis: LinkState, reader: LinkState, seq: number, pending: number } {
    const ready = this.link.state === 'ready' && this.#readerState === 'ready'
    return { ready, redis: this.link.state, reader: this.#readerState, seq: this.#reader?.position.seq ?? 0, pending: this.#outbox.size }
  }

  /** Events this instance delivered from the log since it started (skipped duplicates not counted). */
  get deliveredCount (): number {
    return this.#delivered
  }

  /** Stops reading, drops what was not published yet (logged), closes the Redis connections. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.link.off('state', this.#onLinkState)
    await this.#outbox.close(this.link.state === 'ready' ? CLOSE_FLUSH_MS : 0)
    await this.#reader?.close()
    this.#listeners.clear()
    await this.link.quit()
  }

  /**
   * From the stored state and its position when they belong to this log (else
   * from the log's end): the entries after it are folded in before connect()
   * resolves, so the first clients get the current state; then the reader takes over.
   */
  async #start (blockMs: number | undefined): Promise<void> {
    const head = await this.log.position()
    this.#epoch = head.epoch
    const stored = decodeStoredState((await this.#state.get('state'))?.value ?? null)
    // Without a usable stored position, the state is the fold of every entry the log still has.
    let from: LogPosition = { id: '0-0', seq: 0 }
    if (stored !== null) {
      this.#snapshot = stored.snapshot
      const p = stored.position
      if (p.epoch === head.epoch && p.seq <= head.seq) from = { id: p.id, seq: p.seq }
      else this.#logger.warn({ stored: p, log: head }, 'the stored door state is not from the current log; folding the log into it')
    }
    for (let page = await this.log.range(from.id, CATCH_UP_PAGE); page.length > 0; page = await this.log.range(from.id, CATCH_UP_PAGE)) {
      await this.#onEntries(page)
      const last = page[page.length - 1] as LogEntry
      from = { id: last.id, seq: last.seq }
    }
    this.#reader = await this.log.tail({ ...from, epoch: head.epoch }, {
      entries: this.#onEntries,
      gap: ({ missed }) => { this.#logger.warn({ missed }, 'door events trimmed from the log before this instance read them') },
      reset: this.#onReset,
      state: (state) => { this.#readerState = state },
      error: (err) => { this.#logger.warn({ code: (err as { code?: string }).code, err: err.message }, 'door log reader: recovering') }
    }, { blockMs, name: `door-server:${this.instanceId}:tail` })
    this.#readerState = 'ready'
  }

  readonly #onEntries = async (entries: LogEntry[]): Promise<void> => {
    for (const entry of entries) {
      const decoded = decodeDoorEntry(entry.data)
      if (decoded === null) {
        this.#logger.warn({ seq: entry.seq }, 'skipped a door log entry that is not a door event')
        continue
      }
      this.#deliver(decoded, entry.seq)
    }
    // Entries of ours the reader stepped over (trimmed, reset) would otherwise stay pending for ever.
    const last = entries[entries.length - 1] as LogEntry
    for (const [id, p] of this.#pending) if (p.seq !== undefined && p.seq <= last.seq) this.#pending.delete(id)
    await this.#store(last)
  }

  #deliver (entry: DoorEntry, seq: number): void {
    const mine = this.#pending.delete(entry.id)
    const { name } = entry.e
    // `online` while online, `offline` while offline: two instances heard the sensor come back at
    // once. Every instance folds the same log from the same state, so every one skips the same entry.
    if ((name === 'online' && this.#snapshot.online) || (name === 'offline' && !this.#snapshot.online)) return
    this.#snapshot = applyDoorEvent(this.#snapshot, entry.e)
    this.#delivered++
    if (name === 'offline') this.#offlineFlag = entry.flag ?? null
    if (name === 'online' && mine && this.#offlineFlag !== null) {
      this.#offline.clear(this.#offlineFlag)
      this.#offlineFlag = null
    }
    for (const listener of this.#listeners) {
      try {
        listener(entry.e)
      } catch (err) {
        // One broken subscriber must not keep the event from the others (nor stop the reader).
        this.#logger.error({ err: (err as Error).message, seq }, 'a door event subscriber threw')
      }
    }
  }

  /** The fold after `last`, for instances that start later; a write that fails is the next delivery's to make. */
  async #store (last: Pick<LogEntry, 'id' | 'seq'>): Promise<void> {
    const value: StoredDoorState = { snapshot: { ...this.#snapshot }, position: { id: last.id, seq: last.seq, epoch: this.#epoch } }
    try {
      await this.#state.setIfNewer('state', value, stampOf(last))
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, 'could not store the door state in Redis')
    }
  }

  /** Redis lost the log (restart without persistence): keep what clients were told, and put it back for newcomers. */
  readonly #onReset = async (reset: Reset): Promise<void> => {
    this.#logger.warn({ reason: reset.reason, epoch: reset.epoch, previous: reset.previous }, 'the door log was reset (Redis lost data); keeping the last known state')
    this.#epoch = reset.epoch
    for (const [id, p] of this.#pending) if (p.seq !== undefined) this.#pending.delete(id)
    this.#offline.restore()
    await this.#store(reset.position)
  }

  readonly #onAppended = (id: string, result: AppendResult): void => {
    const p = this.#pending.get(id)
    // Delivered already (the reader can be quicker than the append's reply), or dropped.
    if (p === undefined) return
    if (this.#reader !== null && result.epoch === this.#epoch && result.seq <= this.#reader.position.seq) this.#pending.delete(id)
    else p.seq = result.seq
  }

  readonly #onLinkState = (state: LinkState, err: Error | undefined): void => {
    if (state === 'down') this.#logger.warn({ err: err?.message }, 'Redis link down: door events wait (TCP clients and browsers stay connected)')
    else if (state === 'ready') this.#logger.info({}, 'Redis link up')
  }
}
