import type { Health } from '@eventwire/kit'
import type { AppMetrics } from '@eventwire/kit/metrics'
import type { MqttDoorPublisher } from './publisher.js'

/** `connected`, `disconnected` (publishing, the broker away) or `standby` (cluster mode: another instance publishes). */
function mqttState (publisher: MqttDoorPublisher): 'connected' | 'disconnected' | 'standby' {
  if (!publisher.started) return 'standby'
  return publisher.connected ? 'connected' : 'disconnected'
}

/**
 * The MQTT publisher on the door's probes and metrics. Its state is shown in
 * /readyz and /healthz but does not make the instance unready: TCP clients
 * and browsers never wait for MQTT, and in cluster mode only one instance
 * publishes at all, so a broker outage must not take every instance out of a
 * load balancer.
 */
export function watchMqttPublisher (door: { health: Health, metrics: AppMetrics }, publisher: MqttDoorPublisher): void {
  door.health.addCheck(() => ({ ready: true, details: { mqtt: mqttState(publisher) } }))
  door.metrics.gauge({ name: 'eventwire_door_mqtt_connected', help: '1 while this instance publishes to MQTT and is connected to the broker', read: () => mqttState(publisher) === 'connected' ? 1 : 0 })
  door.metrics.gauge({ name: 'eventwire_door_mqtt_publishing', help: '1 while this instance holds the publisher role (cluster mode: one instance at a time)', read: () => publisher.started ? 1 : 0 })
  door.metrics.counter({ name: 'eventwire_door_mqtt_events_dropped_total', help: 'door events not published to MQTT because the broker did not acknowledge fast enough', read: () => publisher.droppedEvents })
}
