import { once } from 'node:events'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LineClient } from '@eventwire/testkit'
import { MqttDoorPublisher } from '../src/mqtt/publisher.js'
import { frame, startDoor, type StartedDoor } from './helpers.js'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { MqttWatcher } from './mqtt-helpers.js'

let broker: MosquittoHandle
let cleanups: Array<() => Promise<void> | void> = []

/** A real door server (createDoorServer, TCP on port 0) with the MQTT publisher on its hub's bus. */
async function doorWithPublisher (base: string): Promise<StartedDoor & { publisher: MqttDoorPublisher, client: LineClient }> {
  const started = await startDoor()
  const publisher = new MqttDoorPublisher(started.door.hub.bus, {
    url: broker.url,
    baseTopic: base,
    logger: started.logger,
    backoff: { initialDelayMs: 20, maxDelayMs: 200 }
  })
  publisher.start()
  const client = await LineClient.connect(started.port)
  cleanups.push(async () => { await client.close(); await publisher.stop(); await started.door.close() })
  return { ...started, publisher, client }
}

async function watch (filters: string[]): Promise<MqttWatcher> {
  const watcher = await MqttWatcher.connect(broker.url, filters)
  cleanups.push(async () => { await watcher.close() })
  return watcher
}

describe.skipIf(!mosquittoAvailable())('the broker going away affects nothing else (real mosquitto stopped and restarted)', () => {
  beforeEach(async () => { broker = await startMosquitto() })
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    cleanups = []
    await broker?.close()
  })

  it('keeps TCP clients getting events while mosquitto is down; after it returns the retained state is current and no missed event is replayed', async () => {
    const base = 'eventwire/door/outage'
    const { sensor, publisher, client, logger } = await doorWithPublisher(base)
    await once(publisher, 'connect')
    const before = await watch([`${base}/#`])
    const t0 = Date.now() - 60_000
    sensor.set('open', t0)
    expect(frame(await client.next())).toEqual(['open', t0])
    await before.waitFor((m) => m.topic === `${base}/event`, 'the first event over MQTT')

    const down = once(publisher, 'disconnect')
    await broker.stop()
    await down
    sensor.set('close', t0 + 1)
    sensor.set('open', t0 + 2)
    sensor.set('close', t0 + 3)
    expect((await client.take(3)).map(frame)).toEqual([['close', t0 + 1], ['open', t0 + 2], ['close', t0 + 3]])
    expect(logger.has('mqtt connection lost')).toBe(true)

    const up = once(publisher, 'connect')
    await broker.start() // persistence false: the broker has forgotten every retained message
    await up
    const after = await watch([`${base}/#`])
    await after.waitFor((m) => m.topic === `${base}/state`, 'the retained state after the restart')
    await after.waitFor((m) => m.topic === `${base}/sensor`, 'the retained sensor state after the restart')
    sensor.set('open', t0 + 4)
    expect(frame(await client.next())).toEqual(['open', t0 + 4])
    await after.waitFor((m) => m.topic === `${base}/event`, 'the new event')
    // Retained messages came first (from the publisher's connect), then exactly the one new change.
    expect(after.messages.filter((m) => m.retain).map((m) => `${m.topic} ${m.payload}`).sort()).toEqual([
      `${base}/availability online`, `${base}/sensor online`, `${base}/state closed`
    ])
    expect(after.on(`${base}/event`).map((m) => JSON.parse(m.payload))).toEqual([{ state: 'open', at: t0 + 4 }])
    expect(after.on(`${base}/state`).map((m) => m.payload)).toEqual(['closed', 'open'])
  })

  it('starts while the broker is down (the door server works) and publishes the current state once it is up', async () => {
    await broker.stop()
    const base = 'eventwire/door/late-broker'
    const { sensor, publisher, client, logger } = await doorWithPublisher(base)
    sensor.set('open')
    sensor.set('close')
    expect((await client.take(2)).map((l) => frame(l)[0])).toEqual(['open', 'close'])
    expect(publisher.connected).toBe(false)
    const up = once(publisher, 'connect')
    await broker.start()
    await up
    expect(logger.has(/^mqtt: reconnecting in \d+ ms$/)).toBe(true)
    const w = await watch([`${base}/#`])
    await w.waitFor((m) => m.topic === `${base}/state`, 'the retained state')
    await w.waitFor((m) => m.topic === `${base}/availability`, 'the retained availability')
    await w.waitFor((m) => m.topic === `${base}/sensor`, 'the retained sensor state')
    expect(w.messages.map((m) => `${m.topic} ${m.payload}`).sort()).toEqual([
      `${base}/availability online`, `${base}/sensor online`, `${base}/state closed`
    ])
  })
})
