import type { DoorState } from '../types.js'
import { BaseSensor } from './sensor.js'

/**
 * A sensor driven by code: tests, benchmarks, and the authenticated HTTP
 * endpoint (`DOOR_SENSOR=http`) all push readings through `set()`.
 */
export class ManualSensor extends BaseSensor {
  /** Reports a reading; `at` defaults to now. */
  set (state: DoorState, at = Date.now()): void {
    this.report(state, at)
  }

  /** Reports that the source has gone away (the server then says `offline`). */
  end (): void {
    this.emit('end')
  }
}
