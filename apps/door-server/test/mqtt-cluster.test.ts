import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, startChild, type ChildHandle } from '@eventwire/testkit'
import { redisAvailable, redisForTest } from './cluster-helpers.js'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { MqttWatcher, mosquittoPub } from './mqtt-helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const BASE = 'eventwire/door/cluster'

describe.skipIf(!mosquittoAvailable() || !redisAvailable)('two door-server instances with REDIS_URL and MQTT_URL', () => {
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

  it('exactly one instance publishes to MQTT; when it dies the other takes over within the lease', async () => {
    const redis = await redisForTest()
    const env = { DOOR_PORT: '0', DOOR_WEB_PORT: '0', DOOR_SENSOR: 'mqtt', DOOR_OFFLINE_AFTER_MS: '0', MQTT_URL: broker.url, MQTT_TOPIC: BASE, REDIS_URL: redis.url, LOG_LEVEL: 'info' }
    const a = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env })
    const b = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env })
    children.push(a, b)
    await Promise.all([a.waitForLine(/door-server listening/, 15_000), b.waitForLine(/door-server listening/, 15_000)])
    const leaderLine = /this instance publishes the door to MQTT/
    const leader = await Promise.race([a.waitForLine(leaderLine, 10_000, { earlier: true }).then(() => a), b.waitForLine(leaderLine, 10_000, { earlier: true }).then(() => b)])
    const follower = leader === a ? b : a
    const watcher = await MqttWatcher.connect(broker.url, [`${BASE}/event`, `${BASE}/state`])
    await mosquittoPub(broker.port, `${BASE}/reading`, 'open')
    await watcher.waitFor((m) => m.topic === `${BASE}/event`, 'the open event')
    // Both instances heard the reading and delivered it; only one told the broker.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(watcher.on(`${BASE}/event`).map((m) => JSON.parse(m.payload).state)).toEqual(['open'])
    expect(follower.stdout.some((l) => leaderLine.test(l))).toBe(false)

    leader.child.kill('SIGKILL')
    await follower.waitForLine(leaderLine, 25_000)
    const from = watcher.messages.length
    await mosquittoPub(broker.port, `${BASE}/reading`, 'closed')
    await watcher.waitFor((m) => m.topic === `${BASE}/event` && JSON.parse(m.payload).state === 'closed', 'the close event from the new publisher', 10_000, from)
    await watcher.close()
  }, 60_000)
})
