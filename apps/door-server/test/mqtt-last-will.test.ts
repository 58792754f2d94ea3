import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startChild, type ChildHandle } from '@eventwire/testkit'
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from './mosquitto.js'
import { MqttWatcher, type Received } from './mqtt-helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
let broker: MosquittoHandle
let children: ChildHandle[] = []
let watchers: MqttWatcher[] = []

/** test/fixtures/mqtt-door.ts: a DoorHub + ManualSensor + MqttDoorPublisher in a process the test can kill -9. */
async function publisherProcess (env: Record<string, string>): Promise<ChildHandle> {
  const child = startChild(process.execPath, ['--import', 'tsx', 'test/fixtures/mqtt-door.ts'], { cwd: appDir, env: { MQTT_URL: broker.url, ...env } })
  children.push(child)
  await child.waitForLine(/mqtt connected/, 15_000, { earlier: true })
  return child
}

async function watch (filters: string[]): Promise<MqttWatcher> {
  const watcher = await MqttWatcher.connect(broker.url, filters)
  watchers.push(watcher)
  return watcher
}

function after (w: MqttWatcher, m: Received): number {
  return w.messages.indexOf(m) + 1
}

describe.skipIf(!mosquittoAvailable())('MQTT Last Will: door-server dying is visible to subscribers', () => {
  beforeAll(async () => { broker = await startMosquitto() })
  afterAll(async () => { await broker?.close() })
  afterEach(async () => {
    await Promise.all(watchers.map((w) => w.close()))
    for (const child of children) {
      child.child.kill('SIGCONT')
      await child.stop(1000)
    }
    watchers = []
    children = []
  })

  it('kill -9 → the broker publishes …/availability offline; the retained state stays; a restart says online again', async () => {
    const base = 'eventwire/door/will'
    const w = await watch([`${base}/#`])
    const first = await publisherProcess({ MQTT_TOPIC: base })
    first.child.stdin?.write('open\n')
    const open = await w.waitFor((m) => m.topic === `${base}/state` && m.payload === 'open', 'state open')
    expect(w.on(`${base}/availability`).at(-1)?.payload).toBe('online')

    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    // No DISCONNECT was sent: the broker publishes the Last Will.
    const will = await w.waitFor((m) => m.topic === `${base}/availability` && m.payload === 'offline', 'the Last Will', 10_000, after(w, open))

    const late = await watch([`${base}/state`, `${base}/availability`])
    await late.waitFor((m) => m.topic === `${base}/availability`, 'the retained availability')
    await late.waitFor((m) => m.topic === `${base}/state`, 'the retained state')
    expect(late.messages.map((m) => `${m.topic} ${m.payload} ${String(m.retain)}`).sort())
      .toEqual([`${base}/availability offline true`, `${base}/state open true`])

    await publisherProcess({ MQTT_TOPIC: base })
    await w.waitFor((m) => m.topic === `${base}/availability` && m.payload === 'online', 'online after the restart', 10_000, after(w, will))
    // The new process has had no reading yet: it does not overwrite the last known state, and says its sensor is not reporting.
    expect(w.on(`${base}/state`).map((m) => m.payload)).toEqual(['open'])
    await w.waitFor((m) => m.topic === `${base}/sensor` && m.payload === 'offline', 'sensor offline until the first reading', 10_000, after(w, will))
  })

  it('a new publisher with the same client id pushes out a frozen one (SIGSTOP): the broker ends with the new one online', async () => {
    const base = 'eventwire/door/takeover'
    const w = await watch([`${base}/#`])
    const frozen = await publisherProcess({ MQTT_TOPIC: base, MQTT_CLIENT_ID: 'door-deployment-1' })
    frozen.child.stdin?.write('open\n')
    const open = await w.waitFor((m) => m.topic === `${base}/state` && m.payload === 'open', 'state open from the first')
    frozen.child.kill('SIGSTOP') // its TCP connection stays open; only a takeover ends it now
    const fresh = await publisherProcess({ MQTT_TOPIC: base, MQTT_CLIENT_ID: 'door-deployment-1' })
    fresh.child.stdin?.write('close\n')
    await w.waitFor((m) => m.topic === `${base}/state` && m.payload === 'closed', 'state closed from the second', 10_000, after(w, open))
    frozen.child.kill('SIGKILL') // never resumed: with no lease (cluster mode) the two would take turns
    await frozen.exited
    const late = await watch([`${base}/availability`, `${base}/state`])
    await late.waitFor((m) => m.topic === `${base}/availability`, 'the retained availability')
    await late.waitFor((m) => m.topic === `${base}/state`, 'the retained state')
    expect(late.messages.map((m) => `${m.topic} ${m.payload}`).sort()).toEqual([`${base}/availability online`, `${base}/state closed`])
  })
})
