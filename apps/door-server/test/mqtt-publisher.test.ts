import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DoorHub } from '../src/door-hub.js'
import { MqttDoorPublisher, type MqttDoorPublisherOptions } from '../src/mqtt/publisher.js'
import { ManualSensor } from '../src/sensors/manual.js'
import { MemoryLogger } from './helpers.js'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { mosquittoPub, mosquittoSub, MqttWatcher } from './mqtt-helpers.js'

let broker: MosquittoHandle
let cleanups: Array<() => Promise<void> | void> = []
let topicCount = 0

/** A DoorHub on a ManualSensor with a publisher attached, on a base topic no other test uses. */
async function startPublisher (options: Partial<MqttDoorPublisherOptions> & { offlineAfterMs?: number } = {}): Promise<{ sensor: ManualSensor, hub: DoorHub, publisher: MqttDoorPublisher, logger: MemoryLogger, base: string }> {
  const sensor = new ManualSensor()
  const logger = new MemoryLogger()
  const hub = new DoorHub(sensor, { offlineAfterMs: options.offlineAfterMs ?? 0, logger })
  const base = `eventwire/door/test${++topicCount}`
  const publisher = new MqttDoorPublisher(hub.bus, { url: broker.url, baseTopic: base, logger, ...options })
  const connected = new Promise<void>((resolve) => publisher.once('connect', resolve))
  hub.start()
  publisher.start()
  cleanups.push(async () => { await publisher.stop(); hub.stop() })
  await connected
  return { sensor, hub, publisher, logger, base }
}

async function watch (filters: string[]): Promise<MqttWatcher> {
  const watcher = await MqttWatcher.connect(broker.url, filters)
  cleanups.push(async () => { await watcher.close() })
  return watcher
}

describe.skipIf(!mosquittoAvailable())('MQTT publisher against a real mosquitto', () => {
  beforeAll(async () => { broker = await startMosquitto() })
  afterAll(async () => { await broker?.close() })
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    cleanups = []
  })

  it('gives a subscriber that connects after a change the retained state at once (mosquitto_sub)', async () => {
    const { sensor, base } = await startPublisher()
    const early = await watch([`${base}/#`])
    sensor.set('open')
    await early.waitFor((m) => m.topic === `${base}/state` && m.payload === 'open', 'state open')
    const sub = mosquittoSub(broker.port, ['-t', `${base}/+`, '-F', '%r %t %p', '-W', '10'])
    cleanups.push(async () => { await sub.stop() })
    // The broker sends retained messages on subscribe; %r is their retain flag.
    expect(await sub.waitForLine(new RegExp(`^1 ${base}/state `), 10_000, { earlier: true })).toBe(`1 ${base}/state open`)
    expect(await sub.waitForLine(new RegExp(`^1 ${base}/sensor `), 10_000, { earlier: true })).toBe(`1 ${base}/sensor online`)
    expect(await sub.waitForLine(new RegExp(`^1 ${base}/availability `), 10_000, { earlier: true })).toBe(`1 ${base}/availability online`)
    expect(sub.stdout.filter((l) => l.includes('/event'))).toEqual([]) // events are not retained
  })

  it('publishes every change on …/event in order with its time, and not a repeat or the re-send after online', async () => {
    const { sensor, base } = await startPublisher({ offlineAfterMs: 300 })
    const w = await watch([`${base}/event`, `${base}/sensor`])
    const t0 = Date.now() - 10_000
    sensor.set('open', t0)
    sensor.set('open', t0 + 1) // a sign of life, no change
    sensor.set('close', t0 + 2)
    sensor.set('open', t0 + 3)
    const online = await w.waitFor((m) => m.topic === `${base}/sensor` && m.payload === 'online', 'the sensor online after its first reading')
    await w.waitFor((m) => m.topic === `${base}/sensor` && m.payload === 'offline', 'the sensor offline after 300 ms of silence', 10_000, w.messages.indexOf(online) + 1)
    sensor.set('open', t0 + 4) // back online in the same state: the hub re-sends ["open",since]; no door change
    sensor.set('close', t0 + 5)
    await w.waitFor((m) => m.topic === `${base}/event` && m.payload.includes(String(t0 + 5)), 'the last event')
    expect(w.on(`${base}/event`).map((m) => JSON.parse(m.payload))).toEqual([
      { state: 'open', at: t0 },
      { state: 'closed', at: t0 + 2 },
      { state: 'open', at: t0 + 3 },
      { state: 'closed', at: t0 + 5 }
    ])
    expect(w.on(`${base}/event`).every((m) => !m.retain)).toBe(true)
    // The first is the retained one (no reading yet when the publisher connected).
    expect(w.on(`${base}/sensor`).map((m) => m.payload)).toEqual(['offline', 'online', 'offline', 'online'])
  })

  it('keeps …/sensor retained as the hub\'s offline logic says: offline before any reading, after silence and after the source ended', async () => {
    const { sensor, base } = await startPublisher({ offlineAfterMs: 300 })
    const first = await watch([`${base}/sensor`])
    expect((await first.waitFor(() => true, 'the retained sensor state')).payload).toBe('offline')
    sensor.set('close')
    await first.waitFor((m) => m.payload === 'online', 'online after the first reading')
    await first.waitFor((m) => m.payload === 'offline', 'offline after 300 ms of silence', 10_000, 2)
    const late = await watch([`${base}/sensor`, `${base}/state`])
    await late.waitFor((m) => m.topic === `${base}/state`, 'retained state')
    expect(late.messages.map((m) => `${m.topic} ${m.payload} ${String(m.retain)}`).sort()).toEqual([`${base}/sensor offline true`, `${base}/state closed true`])
    sensor.set('close')
    await first.waitFor((m) => m.payload === 'online', 'online again', 10_000, 3)
    sensor.end()
    await first.waitFor((m) => m.payload === 'offline', 'offline when the source ends', 10_000, 4)
  })

  it('publishes a Home Assistant discovery config, valid JSON with the fields HA needs, again when HA\'s birth arrives', async () => {
    const { base, publisher } = await startPublisher()
    const w = await watch(['homeassistant/binary_sensor/+/config'])
    const objectId = base.replaceAll('/', '_')
    const topic = `homeassistant/binary_sensor/${objectId}/config`
    const first = await w.waitFor((m) => m.topic === topic, 'the discovery config')
    expect(first.retain).toBe(true)
    expect(publisher.discovery?.topic).toBe(topic)
    const config = JSON.parse(first.payload) as Record<string, unknown>
    expect(config).toMatchObject({
      device_class: 'door',
      state_topic: `${base}/state`,
      payload_on: 'open',
      payload_off: 'closed',
      availability_mode: 'all',
      unique_id: objectId,
      availability: [
        { topic: `${base}/availability`, payload_available: 'online', payload_not_available: 'offline' },
        { topic: `${base}/sensor`, payload_available: 'online', payload_not_available: 'offline' }
      ]
    })
    expect(config.device).toMatchObject({ identifiers: [objectId], name: `Door test${topicCount}`, manufacturer: 'eventwire' })
    await mosquittoPub(broker.port, 'homeassistant/status', 'online')
    const again = await w.waitFor((m) => m.topic === topic, 'the config re-published after HA\'s birth', 10_000, w.messages.indexOf(first) + 1)
    expect(JSON.parse(again.payload)).toEqual(config)
  })

  it('publishes no discovery config with discovery: false (MQTT_DISCOVERY=false)', async () => {
    const { sensor, base } = await startPublisher({ discovery: false })
    sensor.set('open')
    const objectId = base.replaceAll('/', '_')
    // One SUBSCRIBE, filters in this order: mosquitto sends the config's retained message (if any) before the state's.
    const w = await watch([`homeassistant/binary_sensor/${objectId}/config`, `${base}/state`])
    await w.waitFor((m) => m.topic === `${base}/state` && m.payload === 'open', 'the retained state')
    expect(w.messages.map((m) => m.topic)).toEqual([`${base}/state`])
  })

  it('on stop() publishes …/availability offline (retained) and disconnects cleanly; the state stays retained', async () => {
    const { sensor, base, publisher } = await startPublisher()
    const w = await watch([`${base}/availability`])
    await w.waitFor((m) => m.payload === 'online', 'the birth message')
    sensor.set('open')
    await publisher.stop()
    await w.waitFor((m) => m.payload === 'offline', 'offline after stop()')
    const late = await watch([`${base}/availability`, `${base}/state`])
    await late.waitFor((m) => m.topic === `${base}/state`, 'the retained state')
    expect(late.messages.map((m) => `${m.topic} ${m.payload}`).sort()).toEqual([`${base}/availability offline`, `${base}/state open`])
  })

  it('starts again after stop(): online again, with the state as it is now', async () => {
    const { sensor, base, publisher } = await startPublisher()
    await publisher.stop()
    sensor.set('open') // while stopped: no publish, and nothing kept for later
    const w = await watch([`${base}/availability`, `${base}/event`])
    await w.waitFor((m) => m.payload === 'offline', 'offline after stop()')
    const connected = new Promise<void>((resolve) => publisher.once('connect', resolve))
    publisher.start()
    await connected
    await w.waitFor((m) => m.topic === `${base}/availability` && m.payload === 'online', 'online after start()')
    const late = await watch([`${base}/state`])
    expect((await late.waitFor(() => true, 'the retained state')).payload).toBe('open')
    expect(w.on(`${base}/event`)).toEqual([])
  })

  it('bounds what waits for the broker: a burst past maxInFlight drops events, and the retained state still ends current', async () => {
    const { sensor, base, logger } = await startPublisher({ maxInFlight: 2 })
    const w = await watch([`${base}/event`])
    const t0 = Date.now() - 1000
    // 200 changes in one turn, the first `open`, the last `close`: far more than 2 publishes can be in flight.
    for (let i = 0; i < 200; i++) sensor.set(i % 2 === 0 ? 'open' : 'close', t0 + i)
    const late = await watch([`${base}/state`])
    await late.waitFor((m) => m.payload === 'closed', 'the retained state to become the last reading, closed')
    expect(logger.has(/not acknowledging fast enough/)).toBe(true)
    const times = w.on(`${base}/event`).map((m) => (JSON.parse(m.payload) as { at: number }).at)
    expect(times.length).toBeLessThan(200)
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })
})
