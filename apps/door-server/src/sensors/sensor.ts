import { EventEmitter } from 'node:events'
import type { DoorState } from '../types.js'

/** Events every sensor emits. */
export interface SensorEvents {
  /**
   * One reading. Repeating the current state is allowed and means "still alive":
   * it keeps the server from declaring the sensor offline and is not broadcast.
   */
  reading: [state: DoorState, at: number]
  /** The source is gone for good (stdin closed, ...): the server reports `offline` at once. */
  end: []
}

/**
 * The one small interface between the server and whatever knows the door's state.
 * The server calls start() when it begins listening and stop() when it closes.
 */
export interface DoorSensor {
  on<K extends keyof SensorEvents> (event: K, listener: (...args: SensorEvents[K]) => void): unknown
  off<K extends keyof SensorEvents> (event: K, listener: (...args: SensorEvents[K]) => void): unknown
  start (): void
  stop (): void
}

/** Shared plumbing: a typed emitter with no-op start/stop. */
export abstract class BaseSensor extends EventEmitter<SensorEvents> implements DoorSensor {
  start (): void {}
  stop (): void {}

  protected report (state: DoorState, at = Date.now()): void {
    this.emit('reading', state, at)
  }
}
