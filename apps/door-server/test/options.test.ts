import { describe, expect, it } from 'vitest'
import { isProtocolError, silentAppLogger } from '@eventwire/protocol'
import { createDoorServer, DoorHub, DoorWatch, ManualSensor, SimulatedSensor, type DoorServerOptions } from '../src/index.js'

/** The error `build` throws, for assertions on its code and message. */
function thrown (build: () => unknown): unknown {
  try {
    build()
  } catch (err) {
    return err
  }
  return undefined
}

describe('option checks: one coded error (ERR_INVALID_OPTION) naming the option', () => {
  const bad: Array<Partial<DoorServerOptions>> = [
    { offlineAfterMs: -1 },
    { maxQueueBytes: 0 },
    { maxQueueBytes: 1.5 },
    { queueGraceMs: Number.NaN },
    { heartbeatTimeoutMs: 0 },
    { heartbeatTimeoutMs: 2 ** 31 },
    { tcpKeepAliveMs: -5 },
    { maxConnections: 0 },
    { maxLineBytes: Infinity },
    { heartbeatIntervalMs: 0 },
    { closeGraceMs: -1 }
  ]
  for (const options of bad) {
    const [name, value] = Object.entries(options)[0] as [string, number]
    it(`createDoorServer refuses ${name}: ${value}`, () => {
      const err = thrown(() => createDoorServer({ sensor: new ManualSensor(), ...options }))
      expect(isProtocolError(err, 'ERR_INVALID_OPTION')).toBe(true)
      expect((err as Error).message).toContain(`option ${name} must be`)
    })
  }

  it('the sensors, the hub and the door-client watch use the same check', () => {
    const cases: Array<[string, () => unknown]> = [
      ['maxMs', () => new SimulatedSensor({ maxMs: 0 })],
      ['offlineAfterMs', () => new DoorHub(new ManualSensor(), { offlineAfterMs: -1, logger: silentAppLogger })],
      ['thresholdMs', () => new DoorWatch({ thresholdMs: Number.NaN, onWarn: () => {}, onClosedAfterWarn: () => {} })]
    ]
    for (const [name, build] of cases) {
      const err = thrown(build)
      expect(isProtocolError(err, 'ERR_INVALID_OPTION'), name).toBe(true)
      expect((err as Error).message).toContain(`option ${name} must be`)
    }
  })
})
