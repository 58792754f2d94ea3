import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { DoorHub, ManualSensor, SimulatedSensor, StreamSensor, type DoorEvent, type DoorState } from '../src/index.js'
import { MemoryLogger } from './helpers.js'

function readings (sensor: { on: (e: 'reading', l: (s: DoorState, at: number) => void) => unknown }): DoorState[] {
  const seen: DoorState[] = []
  sensor.on('reading', (state) => seen.push(state))
  return seen
}

describe('SimulatedSensor', () => {
  it('reports its initial state at start, then flips within maxMs, and stops for good', async () => {
    const sensor = new SimulatedSensor({ maxMs: 30, minMs: 5 })
    const seen = readings(sensor)
    sensor.start()
    expect(seen).toEqual(['close'])
    await new Promise((resolve) => setTimeout(resolve, 200))
    sensor.stop()
    const count = seen.length
    expect(count).toBeGreaterThanOrEqual(5) // at least one flip per 30 ms
    expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(seen.length).toBe(count)
  })
})

describe('StreamSensor', () => {
  it('reads open/close lines split across chunks, ignores junk with a log, and ends with its stream', async () => {
    const input = new PassThrough()
    const logger = new MemoryLogger()
    const sensor = new StreamSensor(input, { logger, maxLineBytes: 16 })
    const seen = readings(sensor)
    let ended = false
    sensor.on('end', () => { ended = true })
    sensor.start()
    input.write('op')
    input.write('en\r\n  CLOSE \n\nbanana\n')
    input.write('x'.repeat(40) + '\nclose\n') // an overlong line is dropped; the reading after it in the same read is kept
    input.write('x'.repeat(40)) // an overlong line split across reads is dropped whole
    input.write('xxxx\nopen\n')
    input.end('close')
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['open', 'close', 'close', 'open', 'close'])
    expect(ended).toBe(true)
    expect(logger.has('sensor sent an unknown line; expected "open" or "close"')).toBe(true)
    expect(logger.has('sensor line too long; dropped it')).toBe(true)
    sensor.stop()
    expect(input.listenerCount('data')).toBe(0)
  })
})

describe('DoorHub', () => {
  function hub (offlineAfterMs: number): { sensor: ManualSensor, hub: DoorHub, events: DoorEvent[] } {
    const sensor = new ManualSensor()
    const h = new DoorHub(sensor, { offlineAfterMs, logger: new MemoryLogger() })
    const events: DoorEvent[] = []
    h.bus.subscribe((e) => events.push(e))
    h.start()
    return { sensor, hub: h, events }
  }

  it('publishes changes only, and tells a newcomer the state with its start time', () => {
    const { sensor, hub: h, events } = hub(0)
    expect(h.initialEvents()).toEqual([])
    sensor.set('close', 1)
    sensor.set('close', 2)
    sensor.set('open', 3)
    expect(events).toEqual([{ name: 'close', at: 1 }, { name: 'open', at: 3 }])
    expect(h.initialEvents()).toEqual([{ name: 'open', at: 3 }])
    h.stop()
    expect(sensor.listenerCount('reading')).toBe(0)
  })

  it('goes offline when the sensor is quiet and never reports again after its source ends', async () => {
    const { sensor, hub: h, events } = hub(50)
    await new Promise((resolve) => setTimeout(resolve, 120))
    expect(events.map((e) => e.name)).toEqual(['offline']) // a sensor that never reported is reported too
    sensor.set('close', 10)
    expect(events.slice(1)).toEqual([{ name: 'online', at: 10 }, { name: 'close', at: 10 }])
    sensor.end()
    expect(events.at(-1)?.name).toBe('offline')
    sensor.set('open', 11)
    expect(events.at(-1)?.name).toBe('offline')
    expect(h.snapshot()).toMatchObject({ door: 'close', since: 10, online: false })
    h.stop()
  })
})
