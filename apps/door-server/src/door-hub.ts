import { assertNumberOption, type AppLogger } from '@eventwire/protocol'
import { InProcessDoorBus, initialDoorEvents, type DoorBus } from './door-bus.js'
import type { DoorSensor } from './sensors/sensor.js'
import type { DoorEvent, DoorSnapshot, DoorState } from './types.js'

/**
 * What the offline clock of one instance learns from a bus shared by several:
 * `publish` (this instance won the cluster-wide claim: it sends `offline`),
 * `wait` (a reading reached another instance lately, the claim is held by
 * another instance, or Redis is unreachable: look again in `ms`), or `none`
 * (the door is offline already).
 */
export type OfflineVerdict = { action: 'publish' } | { action: 'wait', ms: number } | { action: 'none' }

/**
 * What a DoorBus shared by several instances (RedisDoorBus, issue 12) adds, so
 * the hub's decisions hold cluster-wide. Its events are delivered after a
 * round trip, and only one instance may send the offline notice.
 */
export interface SharedDoorBus extends DoorBus {
  /** snapshot() with this instance's published but not yet delivered events applied: what a reading is compared with. */
  expectedSnapshot (): DoorSnapshot
  /** A reading was accepted here (one that changes nothing too): the sensor is alive as of `at` (this clock). */
  sensorAlive (at: number): void
  /** This instance's offline clock ran out (or its source ended): may it send `offline`? Never rejects. */
  offlineDue (offlineAfterMs: number, sourceEnded: boolean): Promise<OfflineVerdict>
  /** For /healthz and /readyz: whether the shared store is reachable, and details to show. */
  health (): { ready: boolean, [detail: string]: unknown }
}

/** True for a bus that coordinates several instances (it has the SharedDoorBus methods). */
export function isSharedDoorBus (bus: DoorBus): bus is SharedDoorBus {
  const b = bus as Partial<SharedDoorBus>
  return typeof b.expectedSnapshot === 'function' && typeof b.offlineDue === 'function' && typeof b.sensorAlive === 'function' && typeof b.health === 'function'
}

export interface DoorHubOptions {
  /**
   * The sensor is declared offline after this long without a reading (0: never,
   * only when its source ends). Like MQTT's last will: clients are told instead
   * of being left to guess whether "closed" is still true.
   */
  offlineAfterMs: number
  logger: AppLogger
  /** Where the events go and the state is kept. Default: a new InProcessDoorBus. */
  bus?: DoorBus
}

/**
 * Turns sensor readings into the door's event sequence and publishes each
 * event to the DoorBus; the transports broadcast what the bus delivers. The
 * door's state lives in the bus (so every instance sharing a bus agrees on
 * it); the hub keeps only its sensor, the offline clock and whether the
 * source ended. It knows nothing about sockets. With a SharedDoorBus it
 * compares readings with what it published and has not seen delivered yet, and
 * lets the bus decide cluster-wide whether its offline clock may send `offline`.
 */
export class DoorHub {
  readonly bus: DoorBus
  /** The bus when it is shared by several instances; null in-process. */
  readonly #shared: SharedDoorBus | null
  readonly #sensor: DoorSensor
  readonly #offlineAfterMs: number
  readonly #logger: AppLogger
  #ended = false
  #started = false
  #offlineTimer: NodeJS.Timeout | null = null
  /** Readings accepted: a cluster verdict asked for before the latest reading is stale. */
  #readings = 0

  constructor (sensor: DoorSensor, options: DoorHubOptions) {
    assertNumberOption('offlineAfterMs', options.offlineAfterMs, 0)
    this.bus = options.bus ?? new InProcessDoorBus()
    this.#shared = isSharedDoorBus(this.bus) ? this.bus : null
    this.#sensor = sensor
    this.#offlineAfterMs = options.offlineAfterMs
    this.#logger = options.logger
  }

  /** Starts listening to the sensor; the offline clock starts now, so a sensor that never reports is reported. */
  start (): void {
    if (this.#started) return
    this.#started = true
    this.#sensor.on('reading', this.#onReading)
    this.#sensor.on('end', this.#onEnd)
    this.#armOfflineTimer()
    this.#sensor.start()
  }

  /** Stops the sensor and every timer; removes what start() added. */
  stop (): void {
    if (!this.#started) return
    this.#started = false
    this.#clearOfflineTimer()
    this.#sensor.off('reading', this.#onReading)
    this.#sensor.off('end', this.#onEnd)
    this.#sensor.stop()
  }

  /** The current picture, for the dashboard: the bus's state. */
  snapshot (): DoorSnapshot {
    return this.bus.snapshot()
  }

  /**
   * What a client that connects now must receive before any later event, from
   * the bus's state: the current state with the time it began, then `offline`
   * if the sensor is silent. Empty before the first reading (unless offline).
   */
  initialEvents (): DoorEvent[] {
    return initialDoorEvents(this.bus.snapshot())
  }

  readonly #onReading = (state: DoorState, at: number): void => {
    if (this.#ended) return // a source that ended stays offline; late readings are noise
    this.#readings++
    this.#armOfflineTimer()
    this.#shared?.sensorAlive(Date.now())
    const { door, since, online } = this.#view()
    if (!online) {
      this.#logger.info({ at }, 'sensor back online')
      this.#publish({ name: 'online', at })
      if (door === state && since !== null) {
        // Re-send the state so clients that paused their warning timers while offline re-arm them.
        this.#publish({ name: state, at: since })
        return
      }
    } else if (door === state) {
      return // "still open": a sign of life, not news
    }
    this.#publish({ name: state, at })
  }

  readonly #onEnd = (): void => {
    if (this.#ended) return
    this.#ended = true
    this.#clearOfflineTimer()
    this.#logger.warn({}, 'sensor source ended')
    if (this.#shared !== null) this.#askCluster(this.#shared, true)
    else this.#goOffline()
  }

  readonly #onOfflineTimer = (): void => {
    this.#offlineTimer = null
    if (this.#shared !== null) {
      this.#askCluster(this.#shared, false)
      return
    }
    this.#logger.warn({ offlineAfterMs: this.#offlineAfterMs }, 'sensor silent; reporting it offline')
    this.#goOffline()
  }

  #goOffline (): void {
    if (!this.#view().online) return
    this.#publish({ name: 'offline', at: Date.now() })
  }

  /**
   * Several instances: the silence is judged from the last reading any of them
   * accepted, and one cluster-wide claim decides which instance sends `offline`.
   */
  #askCluster (shared: SharedDoorBus, sourceEnded: boolean): void {
    if (!this.#view().online) return
    const readings = this.#readings
    void shared.offlineDue(this.#offlineAfterMs, sourceEnded).then((verdict) => {
      // Stopped meanwhile, or a reading came in (it re-armed the clock): the verdict is stale.
      if (!this.#started || readings !== this.#readings) return
      if (verdict.action === 'publish') {
        this.#logger.warn({ offlineAfterMs: this.#offlineAfterMs, sourceEnded }, 'sensor silent; reporting it offline')
        this.#goOffline()
      } else if (verdict.action === 'wait' && !this.#ended && this.#offlineTimer === null) {
        this.#offlineTimer = setTimeout(this.#onOfflineTimer, Math.max(1, verdict.ms))
      }
    }).catch((err: unknown) => {
      // A bus of someone else's that rejects must not become an unhandled rejection.
      this.#logger.error({ err: (err as Error).message }, 'the shared bus could not decide on the offline notice')
    })
  }

  /** The state readings are compared with: the bus's, plus what this instance published and has not seen delivered yet. */
  #view (): DoorSnapshot {
    return this.#shared?.expectedSnapshot() ?? this.bus.snapshot()
  }

  #publish (event: DoorEvent): void {
    this.bus.publish(event)
  }

  #armOfflineTimer (): void {
    this.#clearOfflineTimer()
    if (this.#offlineAfterMs === 0 || this.#ended) return
    this.#offlineTimer = setTimeout(this.#onOfflineTimer, this.#offlineAfterMs)
  }

  #clearOfflineTimer (): void {
    if (this.#offlineTimer !== null) clearTimeout(this.#offlineTimer)
    this.#offlineTimer = null
  }
}
