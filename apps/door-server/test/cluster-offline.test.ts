import { afterEach, describe, expect, it } from 'vitest'
import { waitUntil, type LineClient } from '@eventwire/testkit'
import { logEvents, names, redisAvailable, redisForTest, startInstance, tcpClient, type Instance } from './cluster-helpers.js'

const OFFLINE_AFTER_MS = 300
let feeder: NodeJS.Timeout | undefined

afterEach(() => { clearInterval(feeder) })

/** Waits until `client` has received `count` frames named `name`. */
async function frames (client: LineClient, name: string, count: number): Promise<void> {
  await waitUntil(() => names(client).filter((n) => n === name).length >= count, `${count} × ${name} (have ${JSON.stringify(names(client))})`, 15_000)
}

function reportedOffline (instance: Instance): number {
  return instance.logger.lines.filter((l) => l.message === 'sensor silent; reporting it offline').length
}

describe.skipIf(!redisAvailable)('door-server cluster mode: the sensor-offline notice', () => {
  it('is sent exactly once with two instances, by one of them, and cleared by the next reading', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const b = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const onA = await tcpClient(a.port)
    const onB = await tcpClient(b.port)
    // Three silences in a row; both instances' clocks run out each time and race for the notice.
    for (let round = 1; round <= 3; round++) {
      a.sensor.set(round % 2 === 1 ? 'open' : 'close')
      await frames(onA, 'offline', round)
      await frames(onB, 'offline', round)
      // The next reading (on the other instance this time) brings the sensor back.
      if (round < 3) b.sensor.set(round % 2 === 1 ? 'open' : 'close')
      if (round < 3) await frames(onB, 'online', round)
    }
    await frames(onA, 'online', 2)
    const expected = ['open', 'offline', 'online', 'open', 'close', 'offline', 'online', 'close', 'open', 'offline']
    expect(names(onA)).toEqual(expected)
    expect(names(onB)).toEqual(expected)
    expect((await logEvents(a.bus)).map(([name]) => name)).toEqual(expected)
    // One instance sent each notice: their logs say so three times together, not six.
    expect(reportedOffline(a) + reportedOffline(b)).toBe(3)
    // The flags of the first two silences were cleared by the readings that ended them.
    await waitUntil(async () => (await a.bus.link.redis.keys('eventwire:door:once:*')).length === 1, 'one offline flag left (the current silence)', 10_000)
  })

  it('is not sent while the sensor reports through another instance, even readings that change nothing', async () => {
    const redis = await redisForTest()
    // A longer period here: a stalled event loop on a busy machine must not pass for a silent sensor.
    const a = await startInstance(redis.url, { offlineAfterMs: 4 * OFFLINE_AFTER_MS })
    const b = await startInstance(redis.url, { offlineAfterMs: 4 * OFFLINE_AFTER_MS })
    const onA = await tcpClient(a.port)
    b.sensor.set('open')
    await frames(onA, 'open', 1)
    // "still open" every 50 ms on B: never broadcast, but it is the sensor being alive.
    feeder = setInterval(() => b.sensor.set('open'), 50)
    const rearmed = (): number => a.logger.lines.filter((l) => /heard lately/.test(l.message)).length
    await waitUntil(() => rearmed() >= 2, 'A\'s offline clock ran out twice and was re-armed', 15_000)
    expect(names(onA)).toEqual(['open'])
    clearInterval(feeder)
    await frames(onA, 'offline', 1)
    expect(names(onA)).toEqual(['open', 'offline'])
  })

  it('is sent once by the survivors when the instance whose sensor reported is gone', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const b = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const c = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const onB = await tcpClient(b.port)
    const onC = await tcpClient(c.port)
    a.sensor.set('close')
    await frames(onB, 'close', 1)
    await a.stop()
    await frames(onB, 'offline', 1)
    await frames(onC, 'offline', 1)
    b.sensor.set('open')
    await frames(onC, 'online', 1)
    expect(names(onB)).toEqual(['close', 'offline', 'online', 'open'])
    expect(names(onC)).toEqual(['close', 'offline', 'online', 'open'])
    expect(reportedOffline(b) + reportedOffline(c)).toBe(1)
  })

  it('tells clients once that the sensor is back when two instances hear it at the same moment', async () => {
    const redis = await redisForTest()
    const a = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const b = await startInstance(redis.url, { offlineAfterMs: OFFLINE_AFTER_MS })
    const onA = await tcpClient(a.port)
    const onB = await tcpClient(b.port)
    a.sensor.set('open')
    await frames(onA, 'offline', 1)
    await frames(onB, 'offline', 1)
    // Same tick: neither has seen the other's `online` yet, so both publish one.
    a.sensor.set('open')
    b.sensor.set('open')
    await waitUntil(async () => (await logEvents(a.bus)).length === 6, 'both instances\' online + state in the log', 15_000)
    expect((await logEvents(a.bus)).filter(([name]) => name === 'online')).toHaveLength(2)
    // Each client: one `online`, and the state re-sent by each (it re-arms door-client warnings; harmless twice).
    await frames(onA, 'open', 3)
    await frames(onB, 'open', 3)
    expect(names(onA)).toEqual(['open', 'offline', 'online', 'open', 'open'])
    expect(names(onB)).toEqual(['open', 'offline', 'online', 'open', 'open'])
  })
})
