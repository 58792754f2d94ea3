import fc from 'fast-check'
import { connectAsync } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { createDoorServer, type DoorServer } from '../src/index.js'
import { MqttSensor, parseMqttReading } from '../src/sensors/mqtt.js'
import { frame, MemoryLogger } from './helpers.js'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { mosquittoPub } from './mqtt-helpers.js'

const bytes = (text: string): Buffer => Buffer.from(text)

describe('parseMqttReading (pure: what a sensor payload means)', () => {
  it.each([
    ['open', 'open'], ['closed', 'close'], ['close', 'close'], ['ON', 'open'], ['OFF', 'close'],
    ['  Open\n', 'open'], ['on', 'open'], ['CLOSED', 'close'], ['{"state":"open"}', 'open'], ['{"state":"closed"}', 'close'],
    ['{"state":"ON"}', 'open'], ['{"state":" off "}', 'close']
  ])('reads %j as %s', (payload, state) => {
    expect(parseMqttReading(bytes(payload))).toEqual({ ok: true, state })
  })

  it('takes the time of our own event JSON, and drops a time that is in the future or outside the Date range', () => {
    const now = 1_732_240_000_000
    expect(parseMqttReading(bytes('{"state":"open","at":1732239990000}'), 1024, now)).toEqual({ ok: true, state: 'open', at: 1_732_239_990_000 })
    expect(parseMqttReading(bytes('{"state":"open","at":1732240000001}'), 1024, now)).toEqual({ ok: true, state: 'open' })
    expect(parseMqttReading(bytes('{"state":"open","at":1e300}'), 1024, now)).toEqual({ ok: true, state: 'open' })
    expect(parseMqttReading(bytes('{"state":"open","at":"1732239990000"}'), 1024, now)).toEqual({ ok: true, state: 'open' })
  })

  it.each([
    '', 'opened', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '1', 'true', 'null', '[]', '["open"]', '{"state":null}',
    '{"state":{"open":true}}', '{"at":1}', '{"state":"constructor"}', '{"__proto__":{"state":"open"}}', '{"state":"open"', '\u0000open'
  ])('ignores %j, with a reason', (payload) => {
    const reading = parseMqttReading(bytes(payload))
    expect(reading.ok).toBe(false)
    expect(reading.ok ? '' : reading.reason).not.toBe('')
  })

  it('ignores a payload over the limit without decoding it', () => {
    expect(parseMqttReading(bytes('open'.padEnd(1025, ' ')))).toEqual({ ok: false, reason: 'payload of 1025 bytes is over the 1024-byte limit' })
  })

  it('never throws and returns a well-formed result for any bytes (fast-check)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), (payload) => {
      const reading = parseMqttReading(payload)
      if (reading.ok) expect(['open', 'close']).toContain(reading.state)
      else expect(typeof reading.reason).toBe('string')
    }), { numRuns: 2000 })
  })

  it('never throws on any JSON, and reads a state only from a known word (fast-check)', () => {
    const words = fc.constantFrom('open', 'closed', 'close', 'ON', 'OFF', 'on', 'off', 'Open')
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record({ state: fc.oneof(words, fc.string(), fc.jsonValue()), at: fc.oneof(fc.double(), fc.integer(), fc.jsonValue()) }, { requiredKeys: [] })
    )
    fc.assert(fc.property(json, (value) => {
      const reading = parseMqttReading(Buffer.from(JSON.stringify(value) ?? ''))
      const state = (value as { state?: unknown } | null)?.state
      const known = typeof state === 'string' && ['open', 'closed', 'close', 'on', 'off'].includes(state.trim().toLowerCase())
      // Only an object names a state: even "open" as a JSON string arrives quoted, which is no reading.
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) expect(reading.ok).toBe(known)
      else expect(reading.ok).toBe(false)
      if (reading.ok && reading.at !== undefined) expect(Number.isFinite(reading.at) && reading.at <= Date.now()).toBe(true)
    }), { numRuns: 2000 })
  })
})

describe.skipIf(!mosquittoAvailable())('MqttSensor against a real mosquitto (DOOR_SENSOR=mqtt)', () => {
  let broker: MosquittoHandle
  let cleanups: Array<() => Promise<void> | void> = []
  let topicCount = 0

  beforeAll(async () => { broker = await startMosquitto() })
  afterAll(async () => { await broker?.close() })
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    cleanups = []
  })

  /** createDoorServer fed by an MqttSensor; one TCP client connected. */
  async function door (topic: string): Promise<{ door: DoorServer, sensor: MqttSensor, client: LineClient, web: number, logger: MemoryLogger }> {
    const logger = new MemoryLogger()
    const sensor = new MqttSensor({ url: broker.url, topic, logger, backoff: { initialDelayMs: 20, maxDelayMs: 200 } })
    const server = createDoorServer({ sensor, offlineAfterMs: 0, logger })
    const { tcp, web } = await server.listen({ port: 0, webPort: 0, host: '127.0.0.1' })
    const client = await LineClient.connect(tcp.port)
    cleanups.push(async () => { await client.close(); await server.close() })
    return { door: server, sensor, client, web: web.port, logger }
  }

  it('turns `mosquitto_pub -m open` into ["open",ms] for a TCP door client and the dashboard; ON/OFF and our JSON too', async () => {
    const topic = `sensors/door${++topicCount}/contact`
    const { sensor, client, web } = await door(topic)
    await waitUntil(() => sensor.subscribed, 'the sensor\'s subscription', 10_000)
    const before = Date.now()
    await mosquittoPub(broker.port, topic, 'open')
    const [name, at] = frame(await client.next(10_000))
    expect(name).toBe('open')
    expect(at).toBeGreaterThanOrEqual(before)
    const state = await (await fetch(`http://127.0.0.1:${web}/state`)).json() as { door: string, online: boolean }
    expect(state).toMatchObject({ door: 'open', online: true })
    await mosquittoPub(broker.port, topic, 'OFF')
    expect(frame(await client.next(10_000))[0]).toBe('close')
    await mosquittoPub(broker.port, topic, 'ON')
    expect(frame(await client.next(10_000))[0]).toBe('open')
    const t = Date.now() - 5000
    await mosquittoPub(broker.port, topic, JSON.stringify({ state: 'closed', at: t }))
    expect(frame(await client.next(10_000))).toEqual(['close', t])
  })

  it('logs and ignores hostile payloads (binary, huge, prototype names, bad JSON) and keeps reading the next one', async () => {
    const topic = `sensors/door${++topicCount}/contact`
    const { sensor, client, logger } = await door(topic)
    await waitUntil(() => sensor.subscribed, 'the sensor\'s subscription', 10_000)
    const attacker = await connectAsync(broker.url, { reconnectPeriod: 0 })
    cleanups.push(async () => { await attacker.endAsync(true) })
    const hostile = [
      Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from('constructor'), Buffer.from('{"state":"__proto__"}'),
      Buffer.from('{"state":'), Buffer.from('x'.repeat(2000)), Buffer.from('[1,2,3]'), Buffer.alloc(0)
    ]
    for (const payload of hostile) await attacker.publishAsync(topic, payload, { qos: 1 })
    // Past the MQTT 5 Maximum Packet Size we announce (16 KiB): the broker must not even send it to us.
    await attacker.publishAsync(topic, Buffer.alloc(100_000, 'a'), { qos: 1 })
    await attacker.publishAsync(topic, 'closed', { qos: 1 })
    expect(frame(await client.next(10_000))[0]).toBe('close')
    const ignored = logger.lines.filter((l) => l.message === 'mqtt sensor: ignored a message that is not a reading')
    expect(ignored).toHaveLength(hostile.length)
    expect(logger.has('mqtt connection lost')).toBe(false)
    expect(client.lines).toHaveLength(1)
  })

  it('takes a retained reading at subscribe, and subscribes again after the broker restarts', async () => {
    const topic = `sensors/door${++topicCount}/contact`
    await mosquittoPub(broker.port, topic, 'open', ['-r'])
    const { sensor, client } = await door(topic)
    expect(frame(await client.next(10_000))[0]).toBe('open')
    await broker.stop()
    await waitUntil(() => !sensor.subscribed, 'the sensor to notice the broker is gone', 10_000)
    await broker.start()
    await waitUntil(() => sensor.subscribed, 'the sensor to subscribe again', 10_000)
    await mosquittoPub(broker.port, topic, 'closed')
    expect(frame(await client.next(10_000))[0]).toBe('close')
  })
})
