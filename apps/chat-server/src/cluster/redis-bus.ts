import { ClusterError, type LinkState, type LogEntry, type StreamLog, type TailReader } from '@eventwire/cluster'
import type { AppLogger } from '@eventwire/protocol'
import type { MessageEvent, PrivateEvent, RoomEvent, RoomEventDraft } from '../core/events.js'
import { History } from '../core/history.js'
import { BusUnavailableError, type BusNotices, type PrivateIds, type Recovery, type RoomBus } from '../core/room-bus.js'
import { decodeEntry, encodePrivate, encodeRoomEvent } from './entries.js'

export interface RedisRoomBusOptions {
  log: StreamLog
  /** This instance (its Leases id): the prefix of every dedupe id it appends with. */
  instanceId: string
  /** Messages kept for members who join (the room's historySize). */
  historySize: number
  /** Room events a reconnecting client can get back (`since`); default 1000. */
  recoveryLimit?: number
  /** Appends retried after an uncertain failure (same dedupe id); default 3. */
  retries?: number
  logger: AppLogger
}

/**
 * The RoomBus of cluster mode: one StreamLog (a Redis Stream) shared by every
 * instance. publish() only appends; every instance, the author's too,
 * delivers from its TailReader, so all show one order. An append that
 * certainly failed (Redis down) rejects with BusUnavailableError; one that
 * may have happened (timeout, connection lost) is retried with the same
 * dedupe id, which the log stores once.
 */
export class RedisRoomBus implements RoomBus {
  readonly log: StreamLog
  readonly #options: RedisRoomBusOptions
  readonly #history: History
  readonly #waiters = new Set<{ seq: number, resolve: () => void }>()
  #deliver: ((event: RoomEvent) => void) | undefined
  #notices: BusNotices = {}
  #seq = 0
  #epoch = ''
  #counter = 0
  #reader: TailReader | undefined
  #linkWasDown = false

  constructor (options: RedisRoomBusOptions) {
    this.log = options.log
    this.#options = options
    this.#history = new History(options.historySize)
  }

  /** Seeds history and position from one atomic snapshot, then reads on from exactly there. */
  async start (): Promise<void> {
    // Enough entries to find historySize messages among joins and leaves, within the stream's bound.
    const snapshot = await this.log.last(Math.min(this.log.maxLen, this.#options.historySize * 10 + 50))
    for (const entry of snapshot.entries) {
      const decoded = decodeEntry(entry)
      if (decoded?.kind === 'room' && isMessage(decoded.event)) this.#history.push(decoded.event)
    }
    this.#seq = snapshot.position.seq
    this.#epoch = snapshot.epoch
    this.#reader = await this.log.tail({ ...snapshot.position, epoch: snapshot.epoch }, {
      entries: (batch) => { this.#entries(batch) },
      gap: ({ missed }) => { this.#notices.gap?.(missed) },
      reset: ({ epoch, previous, reason, position }) => {
        this.#options.logger.warn({ epoch, previous, reason }, 'the room log was replaced: history reset')
        this.#history.clear()
        this.#seq = position.seq
        this.#epoch = epoch
        this.#notices.reset?.(epoch)
      },
      error: (err) => { this.#options.logger.warn({ err: err.message }, 'room log reader recovering') }
    }, { name: `chat:tail:${this.#options.instanceId}` })
    this.log.link.on('state', this.#onLinkState)
  }

  async close (): Promise<void> {
    this.log.link.off('state', this.#onLinkState)
    for (const waiter of this.#waiters) waiter.resolve()
    this.#waiters.clear()
    await this.#reader?.close()
  }

  async publish (draft: RoomEventDraft): Promise<void> {
    await this.append(encodeRoomEvent(draft))
  }

  async publishPrivate (event: PrivateEvent, ids: PrivateIds): Promise<void> {
    await this.append(encodePrivate(event, ids))
  }

  subscribe (deliver: (event: RoomEvent) => void, notices: BusNotices = {}): () => void {
    this.#deliver = deliver
    this.#notices = notices
    return () => {
      if (this.#deliver !== deliver) return
      this.#deliver = undefined
      this.#notices = {}
    }
  }

  history (): MessageEvent[] {
    return this.#history.toArray()
  }

  position (): { seq: number, epoch: string } {
    return { seq: this.#seq, epoch: this.#epoch }
  }

  async since (seq: number, epoch: string): Promise<Recovery> {
    const result = await this.log.since(seq, this.#options.recoveryLimit ?? 1000, epoch)
    if (result.reset) return { reset: true, epoch: result.epoch }
    const events: RoomEvent[] = []
    for (const entry of result.entries) {
      const decoded = decodeEntry(entry)
      if (decoded?.kind === 'room') events.push(decoded.event)
    }
    return { reset: false, events, missed: result.missed, through: result.position.seq }
  }

  /** Resolves once this instance has delivered up to `seq` (or after `timeoutMs`). */
  async delivered (seq: number, timeoutMs: number): Promise<void> {
    if (this.#seq >= seq) return
    await new Promise<void>((resolve) => {
      const waiter = { seq, resolve: () => { clearTimeout(timer); this.#waiters.delete(waiter); resolve() } }
      const timer = setTimeout(waiter.resolve, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  /**
   * Appends `data` with a fresh dedupe id (or `dedupeId`): retried after an
   * uncertain failure, once Redis is back (bounded), with the same id.
   */
  async append (data: string, dedupeId = `${this.#options.instanceId}.${++this.#counter}`): Promise<void> {
    const retries = this.#options.retries ?? 3
    let uncertain = false
    for (let attempt = 0; ; attempt++) {
      try {
        await this.log.append(data, { dedupeId })
        return
      } catch (err) {
        if (!(err instanceof ClusterError) || err.code === 'CLUSTER_BAD_ARGUMENT') throw err
        uncertain ||= err.uncertain
        if (!uncertain) throw new BusUnavailableError('not delivered, Redis unavailable: nobody got it; try again', { cause: err })
        if (attempt >= retries || err.code === 'CLUSTER_CLOSED') throw new BusUnavailableError('maybe not delivered: Redis did not confirm it in time', { cause: err })
        await this.log.link.waitReady(this.log.link.options.commandTimeoutMs * 2).catch(() => {})
      }
    }
  }

  #entries (batch: LogEntry[]): void {
    for (const entry of batch) {
      this.#seq = entry.seq
      const decoded = decodeEntry(entry)
      try {
        if (decoded === undefined) {
          this.#options.logger.warn({ seq: entry.seq }, 'skipped a room log entry that is not a chat event')
        } else if (decoded.kind === 'private') {
          this.#notices.private?.(decoded.event, decoded.ids)
        } else {
          if (isMessage(decoded.event)) this.#history.push(decoded.event)
          this.#deliver?.(decoded.event)
        }
      } catch (err) {
        // The subscriber must not throw; if it does, the next entries are still delivered.
        this.#options.logger.error({ err, seq: entry.seq }, 'room fan-out threw')
      }
    }
    for (const waiter of this.#waiters) if (this.#seq >= waiter.seq) waiter.resolve()
  }

  readonly #onLinkState = (state: LinkState): void => {
    if (state === 'down' && !this.#linkWasDown) {
      this.#linkWasDown = true
      this.#notices.link?.(false)
    } else if (state === 'ready' && this.#linkWasDown) {
      this.#linkWasDown = false
      this.#notices.link?.(true)
    }
  }
}

function isMessage (event: RoomEvent): event is MessageEvent {
  return event.type === 'message' || event.type === 'action'
}
