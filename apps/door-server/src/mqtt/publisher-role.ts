import type { AppLogger } from '@eventwire/protocol'
import type { RedisLink } from '@eventwire/cluster'
import type { MqttDoorPublisher } from './publisher.js'

/** How long a dead publisher's role stays unclaimed in cluster mode, at most. */
export const MQTT_PUBLISHER_LEASE_MS = 15_000

/** Stops the publisher and, in cluster mode, gives the role up. */
export interface PublisherRole {
  stop: () => Promise<void>
}

/**
 * Runs the MQTT publisher on exactly one instance. In-process (no `link`) it
 * simply starts. In cluster mode the instances share one Redis lease
 * (`Leadership`): the holder publishes, the others wait to take over once it
 * expires (MQTT_PUBLISHER_LEASE_MS); with the same MQTT client id a new
 * publisher's connect also pushes a stale one off the broker. A publisher that
 * loses the lease (Redis unreachable) stops, saying `offline`.
 */
export async function startPublisherRole (publisher: MqttDoorPublisher, link: RedisLink | undefined, logger: AppLogger): Promise<PublisherRole> {
  if (link === undefined) {
    publisher.start()
    return { stop: async () => await publisher.stop() }
  }
  // Loaded only in cluster mode: an in-process server never loads ioredis.
  const { Leadership } = await import('@eventwire/cluster')
  const leadership = new Leadership(link, 'mqtt-publisher', { ttlMs: MQTT_PUBLISHER_LEASE_MS })
  let work: Promise<void> = Promise.resolve()
  leadership.on('change', (leader) => {
    logger.info({ leader }, leader ? 'this instance publishes the door to MQTT' : 'this instance no longer publishes to MQTT')
    // One change at a time: a stop finishes before the next start.
    work = work.then(async () => { if (leader) publisher.start(); else await publisher.stop() })
  })
  leadership.start()
  return {
    stop: async () => {
      await leadership.stop()
      await work
      await publisher.stop()
    }
  }
}
