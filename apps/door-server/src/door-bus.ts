import type { DoorEvent, DoorSnapshot } from './types.js'

/** Receives each event the bus delivers, in the bus's order. */
export type DoorEventListener = (event: DoorEvent) => void

/**
 * The one path door events take from the DoorHub that makes them to the
 * transports that broadcast them, and the store of the door's current state.
 * The hub publishes; TCP and the dashboard broadcast only what the bus
 * delivers, and answer a newly connected client from `snapshot()`.
 *
 * Today it is in-process (InProcessDoorBus). Issue 12 adds a Redis one, so
 * several door-server instances share one door: the instance whose sensor
 * reports publishes, and every instance's clients get the event from its bus.
 * Whatever the implementation:
 * - every subscriber gets every event exactly once, in publish order;
 * - `snapshot()` is the state after the last event delivered here (a fold of
 *   the events with `applyDoorEvent`), so it agrees with what clients saw.
 */
export interface DoorBus {
  publish (event: DoorEvent): void
  /** Returns the function that unsubscribes `listener`. */
  subscribe (listener: DoorEventListener): () => void
  snapshot (): DoorSnapshot
}

/** Before the first reading: no state, and online (the offline clock has only just started). */
export const EMPTY_DOOR_SNAPSHOT: DoorSnapshot = Object.freeze({ door: null, since: null, online: true, offlineSince: null })

/** The state after `event`: what every bus applies to its store before delivering the event. */
export function applyDoorEvent (state: DoorSnapshot, event: DoorEvent): DoorSnapshot {
  switch (event.name) {
    case 'open':
    case 'close':
      return { ...state, door: event.name, since: event.at }
    case 'offline':
      return { ...state, online: false, offlineSince: event.at }
    case 'online':
      return { ...state, online: true, offlineSince: null }
  }
}

/**
 * What a client connecting in `state` must receive before any later event: the
 * current state with the time it began, then `offline` if the sensor is silent.
 * Empty before the first reading (unless already offline).
 */
export function initialDoorEvents (state: DoorSnapshot): DoorEvent[] {
  const events: DoorEvent[] = []
  if (state.door !== null && state.since !== null) events.push({ name: state.door, at: state.since })
  if (!state.online && state.offlineSince !== null) events.push({ name: 'offline', at: state.offlineSince })
  return events
}

/**
 * The single-process bus: publish() updates the state and calls every
 * subscriber synchronously, so a client that connects between two events is
 * answered from a state that matches the events it will get next.
 */
export class InProcessDoorBus implements DoorBus {
  readonly #listeners = new Set<DoorEventListener>()
  #state: DoorSnapshot = EMPTY_DOOR_SNAPSHOT

  /** Subscribers now (each transport is one): 0 after the server closed. */
  get subscriberCount (): number {
    return this.#listeners.size
  }

  publish (event: DoorEvent): void {
    this.#state = applyDoorEvent(this.#state, event)
    // A listener that unsubscribes during delivery (a transport closing) is simply skipped afterwards.
    for (const listener of this.#listeners) listener(event)
  }

  subscribe (listener: DoorEventListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  snapshot (): DoorSnapshot {
    return { ...this.#state }
  }
}
