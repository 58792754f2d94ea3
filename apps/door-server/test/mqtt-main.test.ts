import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LineClient, buildPackage, startChild, type ChildHandle } from '@eventwire/testkit'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { MqttWatcher, mosquittoPub } from './mqtt-helpers.js'

async function waitFor (condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const appDir = fileURLToPath(new URL('..', import.meta.url))

describe.skipIf(!mosquittoAvailable())('dist/main.js with MQTT_URL (real mosquitto)', () => {
  let broker: MosquittoHandle
  const children: ChildHandle[] = []
  beforeAll(async () => {
    buildPackage(appDir)
    broker = await startMosquitto()
  }, 60_000)
  afterAll(async () => {
    await Promise.all(children.map(async (c) => await c.stop(3000)))
    await broker?.close()
  })

  it('DOOR_SENSOR=mqtt: mosquitto_pub "open" reaches a TCP door client, the dashboard and the retained state topic', async () => {
    const child = startChild(process.execPath, ['dist/main.js'], {
      cwd: appDir,
      env: { DOOR_PORT: '0', DOOR_WEB_PORT: '0', DOOR_SENSOR: 'mqtt', MQTT_URL: broker.url, MQTT_TOPIC: 'eventwire/door/test', DOOR_OFFLINE_AFTER_MS: '0' }
    })
    children.push(child)
    const line = await child.waitForLine(/door-server listening on/, 15_000)
    const entry = JSON.parse(line) as { tcp: string, web: string }
    const tcpPort = Number(entry.tcp.split(':').pop())
    const webPort = Number(entry.web.split(':').pop())
    const watcher = await MqttWatcher.connect(broker.url, ['eventwire/door/test/#'])
    await watcher.waitFor((m) => m.topic === 'eventwire/door/test/availability' && m.payload === 'online', 'the birth message')
    const client = await LineClient.connect(tcpPort)
    await mosquittoPub(broker.port, 'eventwire/door/test/reading', 'open')
    expect(JSON.parse(await client.next(10_000))[0]).toBe('open')
    const state = await fetch(`http://127.0.0.1:${webPort}/state`)
    expect(await state.json()).toMatchObject({ door: 'open', online: true })
    await watcher.waitFor((m) => m.topic === 'eventwire/door/test/state' && m.payload === 'open', 'the state topic')
    await client.close()
    await watcher.close()
    // SIGTERM: the publisher says offline itself before the door stops, and the process exits 0.
    const late = await MqttWatcher.connect(broker.url, ['eventwire/door/test/availability'])
    expect(await child.stop(5000)).toBe(0)
    await late.waitFor((m) => m.payload === 'offline', 'availability offline after SIGTERM')
    await late.close()
  }, 40_000)

  it('shows the publisher in /readyz and /metrics: connected, then disconnected while the broker is away (still ready)', async () => {
    const own = await startMosquitto()
    const child = startChild(process.execPath, ['dist/main.js'], {
      cwd: appDir,
      env: { DOOR_PORT: '0', DOOR_WEB_PORT: '0', MQTT_URL: own.url, MQTT_TOPIC: 'eventwire/door/ops', DOOR_OFFLINE_AFTER_MS: '0' }
    })
    children.push(child)
    try {
      const line = await child.waitForLine(/door-server listening on/, 15_000)
      const webPort = Number((JSON.parse(line) as { web: string }).web.split(':').pop())
      const readyz = async (): Promise<{ status: number, body: Record<string, unknown> }> => {
        const res = await fetch(`http://127.0.0.1:${webPort}/readyz`)
        return { status: res.status, body: await res.json() as Record<string, unknown> }
      }
      const scrape = async (): Promise<string> => await (await fetch(`http://127.0.0.1:${webPort}/metrics`)).text()
      await waitFor(async () => (await readyz()).body.mqtt === 'connected', 'mqtt connected in /readyz')
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', mqtt: 'connected' } })
      expect(await scrape()).toMatch(/^eventwire_door_mqtt_connected 1$/m)
      await own.close()
      await waitFor(async () => (await readyz()).body.mqtt === 'disconnected', 'mqtt disconnected in /readyz')
      expect((await readyz()).status).toBe(200) // TCP clients and browsers never wait for MQTT
      const metrics = await scrape()
      expect(metrics).toMatch(/^eventwire_door_mqtt_connected 0$/m)
      expect(metrics).toMatch(/^eventwire_door_mqtt_publishing 1$/m)
    } finally {
      await own.close()
    }
  })

  it('a bad MQTT_URL is one line naming it, exit 2, before anything listens', async () => {
    const child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { DOOR_PORT: '0', DOOR_WEB_PORT: '0', MQTT_URL: 'ws://broker:1883' } })
    children.push(child)
    expect(await child.exited).toBe(2)
    expect(child.stderr).toEqual([expect.stringMatching(/^door-server: MQTT_URL/)])
  })
})
