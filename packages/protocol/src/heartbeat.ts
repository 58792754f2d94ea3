import { assertNumberOption } from './errors.js'
import { sharedSweep, type Sweep } from './sweep.js'

export interface HeartbeatOptions {
  /**
   * true (default): send `["$ping",n]` every `intervalMs`; once the peer has
   * answered a ping, close when nothing at all has arrived for `timeoutMs`. A peer
   * that never answers (a plain duplex-emitter server) is never timed out for
   * silence: nothing says it should speak. Every RemoteEmitter answers pings.
   * false: send nothing; once the peer has pinged us, close when it goes quiet for
   * `timeoutMs`. Servers use this, so plain duplex-emitter or `nc` clients that
   * never ping are never timed out (and never see a ping).
   */
  active?: boolean
  /** Ping period (active mode). Default 10 s. */
  intervalMs?: number
  /** Silence after which the peer is dead. Default 2.5 × intervalMs. */
  timeoutMs?: number
}

/**
 * Dead-peer detection on top of any traffic: every inbound frame counts as a sign
 * of life, so a busy connection never needs an extra round trip. Heartbeats with
 * the same period share one process-wide timer (a Sweep): a server with 10,000
 * clients runs one interval, not 10,000.
 */
export class Heartbeat {
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly active: boolean
  readonly #sendPing: (seq: number) => void
  readonly #onTimeout: (silentMs: number) => void
  #lastSeen = Date.now()
  #armed: boolean
  #seq = 0
  readonly #sweep: Sweep

  constructor (options: HeartbeatOptions, sendPing: (seq: number) => void, onTimeout: (silentMs: number) => void) {
    this.active = options.active ?? true
    this.intervalMs = options.intervalMs ?? 10_000
    this.timeoutMs = options.timeoutMs ?? Math.round(this.intervalMs * 2.5)
    assertNumberOption('heartbeat.intervalMs', this.intervalMs, 1)
    assertNumberOption('heartbeat.timeoutMs', this.timeoutMs, 1)
    this.#sendPing = sendPing
    this.#onTimeout = onTimeout
    this.#armed = false
    // Passive mode only checks; checking at a quarter of the timeout bounds the lateness.
    const period = this.active ? this.intervalMs : Math.max(1, Math.floor(this.timeoutMs / 4))
    // The sweep's timer is unref'd: a heartbeat alone must not keep a process alive; the socket does that.
    this.#sweep = sharedSweep(period)
    this.#sweep.add(this)
  }

  /** Call for every inbound frame. */
  seen (): void {
    this.#lastSeen = Date.now()
  }

  /**
   * The peer showed it speaks the extension (it pinged us, or answered our ping):
   * from now on silence longer than `timeoutMs` means it is dead.
   */
  arm (): void {
    this.#armed = true
  }

  stop (): void {
    this.#sweep.delete(this)
  }

  /** Called by the sweep once per period. */
  tick (now: number): void {
    const silentMs = now - this.#lastSeen
    if (this.#armed && silentMs > this.timeoutMs) {
      this.stop()
      this.#onTimeout(silentMs)
      return
    }
    if (this.active) this.#sendPing(++this.#seq)
  }
}
