import { assertNumberOption, type AppLogger } from '@eventwire/protocol'
import { InProcessDoorBus, initialDoorEvents, type DoorBus } from './door-bus.js'
import type { DoorSensor } from './sensors/sensor.js'
import type { DoorEvent, DoorSnapshot, DoorState } from './types.js'

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
 * source ended. It knows nothing about sockets.
 */
export class DoorHub {
  readonly bus: DoorBus
  readonly #sensor: DoorSensor
  readonly #offlineAfterMs: number
  readonly #logger: AppLogger
  #ended = false
  #started = false
  #offlineTimer: NodeJS.Timeout | null = null

  constructor (sensor: DoorSensor, options: DoorHubOptions) {
    assertNumberOption('offlineAfterMs', options.offlineAfterMs, 0)
    this.bus = options.bus ?? new InProcessDoorBus()
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
    this.#armOfflineTimer()
    const { door, since, online } = this.bus.snapshot()
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
    this.#goOffline()
  }

  readonly #onOfflineTimer = (): void => {
    this.#offlineTimer = null
    this.#logger.warn({ offlineAfterMs: this.#offlineAfterMs }, 'sensor silent; reporting it offline')
    this.#goOffline()
  }

  #goOffline (): void {
    if (!this.bus.snapshot().online) return
    this.#publish({ name: 'offline', at: Date.now() })
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
