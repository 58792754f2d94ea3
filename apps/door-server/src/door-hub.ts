import { EventEmitter } from 'node:events'
import type { DoorSensor } from './sensors/sensor.js'
import type { AppLogger } from '@eventwire/protocol'
import type { DoorEvent, DoorSnapshot, DoorState } from './types.js'

export interface DoorHubOptions {
  /**
   * The sensor is declared offline after this long without a reading (0: never,
   * only when its source ends). Like MQTT's last will: clients are told instead
   * of being left to guess whether "closed" is still true.
   */
  offlineAfterMs: number
  logger: AppLogger
}

interface DoorHubEvents {
  /** One event for every client, in order. */
  event: [event: DoorEvent]
}

/**
 * The single source of truth for the door: turns sensor readings into the event
 * sequence every transport broadcasts, and knows what a newly connected client
 * must be told first. It knows nothing about sockets.
 */
export class DoorHub extends EventEmitter<DoorHubEvents> {
  readonly #sensor: DoorSensor
  readonly #offlineAfterMs: number
  readonly #logger: AppLogger
  #door: DoorState | null = null
  #since: number | null = null
  #online = true
  #offlineSince: number | null = null
  #ended = false
  #started = false
  #offlineTimer: NodeJS.Timeout | null = null

  constructor (sensor: DoorSensor, options: DoorHubOptions) {
    super()
    if (!(options.offlineAfterMs >= 0)) throw new RangeError(`offlineAfterMs must be >= 0, got ${options.offlineAfterMs}`)
    this.#sensor = sensor
    this.#offlineAfterMs = options.offlineAfterMs
    this.#logger = options.logger
    // One listener per transport, plus tests; the default cap of 10 would be a false alarm.
    this.setMaxListeners(0)
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

  /** The current picture, for the dashboard. */
  snapshot (): DoorSnapshot {
    return { door: this.#door, since: this.#since, online: this.#online, offlineSince: this.#offlineSince }
  }

  /**
   * What a client that connects now must receive before any later event: the
   * current state with the time it began, then `offline` if the sensor is silent.
   * Empty before the first reading (unless already offline).
   */
  initialEvents (): DoorEvent[] {
    const events: DoorEvent[] = []
    if (this.#door !== null && this.#since !== null) events.push({ name: this.#door, at: this.#since })
    if (!this.#online && this.#offlineSince !== null) events.push({ name: 'offline', at: this.#offlineSince })
    return events
  }

  readonly #onReading = (state: DoorState, at: number): void => {
    if (this.#ended) return // a source that ended stays offline; late readings are noise
    this.#armOfflineTimer()
    if (!this.#online) {
      this.#online = true
      this.#offlineSince = null
      this.#logger.info({ at }, 'sensor back online')
      this.#publish({ name: 'online', at })
      if (this.#door === state && this.#since !== null) {
        // Re-send the state so clients that paused their warning timers while offline re-arm them.
        this.#publish({ name: state, at: this.#since })
        return
      }
    } else if (this.#door === state) {
      return // "still open": a sign of life, not news
    }
    this.#door = state
    this.#since = at
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
    if (!this.#online) return
    this.#online = false
    this.#offlineSince = Date.now()
    this.#publish({ name: 'offline', at: this.#offlineSince })
  }

  #publish (event: DoorEvent): void {
    this.emit('event', event)
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
