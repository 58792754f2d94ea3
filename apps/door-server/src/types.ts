/** What a door sensor can report. `close` (not `closed`) because it is also the wire event name. */
export type DoorState = 'open' | 'close'

/** Every event name the server sends on the wire (TCP) and in WebSocket updates. */
export type DoorEventName = DoorState | 'offline' | 'online'

/** One door event: its name and the server-side epoch ms it refers to. */
export interface DoorEvent {
  name: DoorEventName
  /** For `open`/`close`: when the door entered that state; for `offline`/`online`: when the sensor went quiet/came back. */
  at: number
}

/** The whole picture at one instant; what the web dashboard renders. */
export interface DoorSnapshot {
  /** null until the sensor's first reading. */
  door: DoorState | null
  /** When `door` began (epoch ms), null with it. */
  since: number | null
  /** False once the sensor has been quiet for `offlineAfterMs` or its source ended. */
  online: boolean
  /** When the sensor was declared offline, null while online. */
  offlineSince: number | null
}

/** True for the two valid door states, for input from sensors and HTTP bodies. */
export function isDoorState (value: unknown): value is DoorState {
  return value === 'open' || value === 'close'
}
