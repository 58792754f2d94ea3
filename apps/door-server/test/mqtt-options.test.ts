import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '@eventwire/service'
import { commandAvailable, waitUntil } from '@eventwire/testkit'
import { DoorHub } from '../src/door-hub.js'
import { mqttConfigSpecs, mqttSetupFrom } from '../src/mqtt/mqtt-config.js'
import { DEFAULT_MQTT_PORT, DEFAULT_MQTTS_PORT, parseMqttUrl, resolveBroker, topicMatches } from '../src/mqtt/mqtt-options.js'
import { MqttDoorPublisher, type MqttDoorPublisherOptions } from '../src/mqtt/publisher.js'
import { MqttSensor } from '../src/sensors/mqtt.js'
import { ManualSensor } from '../src/sensors/manual.js'
import { MemoryLogger } from './helpers.js'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { MqttWatcher } from './mqtt-helpers.js'

const run = promisify(execFile)

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).code).toBe('ERR_CONFIG')
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('MQTT_URL', () => {
  it('reads host, default ports, credentials (percent-decoded) and IPv6, and logs it without the password', () => {
    expect(parseMqttUrl('mqtt://127.0.0.1')).toEqual({ protocol: 'mqtt', host: '127.0.0.1', port: DEFAULT_MQTT_PORT, display: 'mqtt://127.0.0.1' })
    expect(parseMqttUrl('mqtts://broker.example')).toMatchObject({ protocol: 'mqtts', port: DEFAULT_MQTTS_PORT })
    expect(parseMqttUrl('mqtt://door:p%40ss%20word@broker:1884/')).toEqual({
      protocol: 'mqtt', host: 'broker', port: 1884, username: 'door', password: 'p@ss word', display: 'mqtt://broker:1884'
    })
    expect(parseMqttUrl('mqtt://[::1]:1883')).toMatchObject({ host: '::1', port: 1883 })
  })

  it.each([
    ['127.0.0.1:1883', /MQTT_URL must be a URL/],
    ['http://broker:1883', /MQTT_URL must start with mqtt:\/\/ or mqtts:\/\//],
    ['ws://broker:9001/mqtt', /MQTT_URL must start with mqtt:\/\//],
    ['mqtt://', /MQTT_URL has no host/],
    ['mqtt://broker/topic', /MQTT_URL must be just scheme:\/\/host\[:port\]/],
    ['mqtt://broker:0', /MQTT_URL has port 0/],
    ['mqtt://broker:99999', /MQTT_URL must be a URL/],
    ['mqtt://u:p%zz@broker', /MQTT_URL: the password in the URL is not valid percent-encoding/]
  ])('refuses %j with a ConfigError naming MQTT_URL', (url, message) => {
    expect(configError(() => parseMqttUrl(url)).message).toMatch(message)
  })

  it('never repeats the password of a bad URL in its error', () => {
    expect(configError(() => parseMqttUrl('http://door:hunter2@broker')).message).not.toContain('hunter2')
    expect(configError(() => parseMqttUrl('mqtt://door:hunter2@broker:99999')).message).not.toContain('hunter2')
  })

  it('lets MQTT_USERNAME / MQTT_PASSWORD win over the URL\'s', () => {
    expect(resolveBroker({ url: 'mqtt://a:b@h', username: 'c', password: 'd' })).toMatchObject({ username: 'c', password: 'd' })
    expect(resolveBroker({ url: 'mqtt://a:b@h' })).toMatchObject({ username: 'a', password: 'b' })
  })

  it('is checked when the publisher and the sensor are built, before anything connects', () => {
    const hub = new DoorHub(new ManualSensor(), { offlineAfterMs: 0, logger: new MemoryLogger() })
    expect(configError(() => new MqttDoorPublisher(hub.bus, { url: 'localhost:1883' })).message).toMatch(/^MQTT_URL/)
    expect(configError(() => new MqttDoorPublisher(hub.bus, { url: 'mqtt://h', baseTopic: 'door/#' })).message).toMatch(/^MQTT_TOPIC must not contain/)
    expect(configError(() => new MqttSensor({ url: 'mqtt://h', topic: 'a/#/b' })).message).toMatch(/^DOOR_MQTT_SENSOR_TOPIC/)
  })
})

describe('mqttConfigSpecs and mqttSetupFrom (what main.ts will read)', () => {
  const read = (env: Record<string, string>): ReturnType<typeof readConfig<typeof mqttConfigSpecs>> => readConfig(mqttConfigSpecs, { env, argv: [] })

  it('is off without MQTT_URL, and DOOR_SENSOR=mqtt then says it needs MQTT_URL', () => {
    expect(mqttSetupFrom(read({}), 'simulated')).toEqual({})
    expect(configError(() => mqttSetupFrom(read({}), 'mqtt')).message).toMatch(/^DOOR_SENSOR=mqtt needs MQTT_URL/)
  })

  it('builds the publisher\'s options from the variables; discovery on unless MQTT_DISCOVERY=false', () => {
    const setup = mqttSetupFrom(read({ MQTT_URL: 'mqtt://h', MQTT_TOPIC: 'home/fridge', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p', MQTT_CLIENT_ID: 'fridge-1' }), 'simulated')
    expect(setup.publisher).toMatchObject({ url: 'mqtt://h', baseTopic: 'home/fridge', username: 'u', password: 'p', clientId: 'fridge-1', discovery: true })
    expect(setup.sensor).toBeUndefined()
    expect(mqttSetupFrom(read({ MQTT_URL: 'mqtt://h', MQTT_DISCOVERY: 'false' }), 'simulated').publisher).toMatchObject({ baseTopic: 'eventwire/door/main', discovery: false })
    expect(() => read({ MQTT_DISCOVERY: 'no' })).toThrow(/MQTT_DISCOVERY must be one of true, false/)
    expect(configError(() => mqttSetupFrom(read({ MQTT_URL: 'tcp//h' }), 'simulated')).message).toMatch(/^MQTT_URL/)
  })

  it('gives DOOR_SENSOR=mqtt its topic (default <base>/reading) and refuses one that would catch our own publications', () => {
    expect(mqttSetupFrom(read({ MQTT_URL: 'mqtt://h' }), 'mqtt').sensor).toMatchObject({ url: 'mqtt://h', topic: 'eventwire/door/main/reading' })
    expect(mqttSetupFrom(read({ MQTT_URL: 'mqtt://h', DOOR_MQTT_SENSOR_TOPIC: 'zigbee2mqtt/+/contact' }), 'mqtt').sensor?.topic).toBe('zigbee2mqtt/+/contact')
    for (const topic of ['eventwire/door/main/state', 'eventwire/door/main/#', 'eventwire/#', '#', '+/+/+/event']) {
      expect(configError(() => mqttSetupFrom(read({ MQTT_URL: 'mqtt://h', DOOR_MQTT_SENSOR_TOPIC: topic }), 'mqtt')).message).toMatch(/^DOOR_MQTT_SENSOR_TOPIC .* would receive door-server's own/)
    }
  })

  it('matches topic filters as MQTT does', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true)
    expect(topicMatches('a/#', 'a')).toBe(true)
    expect(topicMatches('a/#', 'a/b/c')).toBe(true)
    expect(topicMatches('a/+', 'a/b/c')).toBe(false)
    expect(topicMatches('a/b', 'a/b/c')).toBe(false)
    expect(topicMatches('a/b/c', 'a/b')).toBe(false)
  })
})

describe.skipIf(!mosquittoAvailable() || !commandAvailable('mosquitto_passwd'))('credentials against a mosquitto with a password file', () => {
  let broker: MosquittoHandle
  let dir: string
  let cleanups: Array<() => Promise<void>> = []
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eventwire-mqtt-passwd-'))
    await run('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'door', 'p@ss word'])
    broker = await startMosquitto({ allowAnonymous: false, extraConfig: [`password_file ${join(dir, 'passwd')}`] })
  })
  afterAll(async () => {
    await broker?.close()
    await rm(dir, { recursive: true, force: true })
  })
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    cleanups = []
  })

  function publisher (options: Omit<MqttDoorPublisherOptions, 'baseTopic'>, base: string): { publisher: MqttDoorPublisher, logger: MemoryLogger } {
    const logger = new MemoryLogger()
    const hub = new DoorHub(new ManualSensor(), { offlineAfterMs: 0, logger })
    const p = new MqttDoorPublisher(hub.bus, { ...options, baseTopic: base, logger, backoff: { initialDelayMs: 20, maxDelayMs: 100 } })
    p.start()
    cleanups.push(async () => { await p.stop() })
    return { publisher: p, logger }
  }

  it('connects with user:password in the URL (percent-encoded) and with MQTT_USERNAME / MQTT_PASSWORD overriding a wrong one', async () => {
    const inUrl = publisher({ url: `mqtt://door:p%40ss%20word@127.0.0.1:${broker.port}` }, 'eventwire/door/url-creds')
    await once(inUrl.publisher, 'connect')
    const overridden = publisher({ url: `mqtt://door:wrong@127.0.0.1:${broker.port}`, username: 'door', password: 'p@ss word' }, 'eventwire/door/env-creds')
    await once(overridden.publisher, 'connect')
    const w = await MqttWatcher.connect(broker.url, ['eventwire/door/+/availability'], { username: 'door', password: 'p@ss word' })
    cleanups.push(async () => { await w.close() })
    await w.waitFor((m) => m.topic === 'eventwire/door/url-creds/availability' && m.payload === 'online', 'the first publisher online')
    await w.waitFor((m) => m.topic === 'eventwire/door/env-creds/availability' && m.payload === 'online', 'the second publisher online')
  })

  it('keeps retrying a refused login with backoff, logging why, and never connects or throws', async () => {
    const { publisher: p, logger } = publisher({ url: `mqtt://door:wrong@127.0.0.1:${broker.port}` }, 'eventwire/door/bad-creds')
    const retries = (): typeof logger.lines => logger.lines.filter((l) => /^mqtt: reconnecting in/.test(l.message))
    await waitUntil(() => retries().length >= 3, 'three refused attempts', 10_000)
    expect(String(retries()[0]?.fields.reason)).toMatch(/not authori[sz]ed/i)
    expect(retries().map((l) => l.fields.attempt)).toEqual(expect.arrayContaining([1, 2, 3]))
    expect(p.connected).toBe(false)
    expect(JSON.stringify(logger.lines)).not.toContain('wrong')
  })
})
