import type { AppLogger } from '@eventwire/protocol'
import type { PrivateEvent, RoomEventDraft } from './events.js'
import { ACCEPTED, BusUnavailableError, type PrivateIds, type RoomBus } from './room-bus.js'

/**
 * Publishes a room event; when the log refuses it, `refused` gets the text
 * for its author (NOT_DELIVERED). Never throws.
 */
export function publishEvent (bus: RoomBus, log: AppLogger, event: RoomEventDraft, refused: (text: string) => void): void {
  let accepted: Promise<void>
  try {
    accepted = bus.publish(event)
  } catch (err) {
    accepted = Promise.reject(err)
  }
  // Taken already (LocalBus): no handler, no microtask per message.
  if (accepted === ACCEPTED) return
  accepted.catch((err: unknown) => {
    log.warn({ err, type: event.type, id: event.fromId }, 'room event not delivered: the bus refused it')
    refused(notDeliveredText(err, event))
  })
}

/** A private message through the log (its recipient is on another instance); `refused` as above. */
export async function publishPrivate (bus: RoomBus, log: AppLogger, event: PrivateEvent, ids: PrivateIds, refused: (text: string) => void): Promise<void> {
  try {
    if (bus.publishPrivate === undefined) throw new Error('this bus carries no private messages')
    await bus.publishPrivate(event, ids)
  } catch (err) {
    log.warn({ err, id: ids.fromId }, 'private message not delivered: the bus refused it')
    refused(notDeliveredText(err, event))
  }
}

/**
 * What the author of an event the bus refused is told. The start of its text
 * is quoted, so the author (or a program) knows which line it was.
 */
export function notDeliveredText (err: unknown, event: RoomEventDraft | PrivateEvent): string {
  const what = event.type === 'private' ? `private message to ${event.to}` : event.type
  const quote = 'text' in event ? ` "${event.text.slice(0, 80)}"` : ''
  if (err instanceof BusUnavailableError) return `${err.message} (your ${what}${quote})`
  return `not delivered: the room could not take your ${what}; nobody got it, try again`
}
