import { describe, expect, it } from 'vitest'
import { DoorWatch } from '../src/index.js'
import { parseDoorClientArgs } from '../src/client/cli-args.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

function watch (thresholdMs: number): { w: DoorWatch, log: string[] } {
  const log: string[] = []
  const w = new DoorWatch({ thresholdMs, onWarn: () => log.push('warn'), onClosedAfterWarn: () => log.push('closed now') })
  return { w, log }
}

describe('DoorWatch', () => {
  it('warns once after the threshold, counted from the open timestamp, and says closed now after', async () => {
    const { w, log } = watch(100)
    w.open(Date.now() - 80)
    await sleep(50)
    expect(log).toEqual(['warn'])
    w.open(Date.now() - 500) // a new open period warns again, at once
    await sleep(10)
    expect(log).toEqual(['warn', 'warn'])
    w.close()
    expect(log).toEqual(['warn', 'warn', 'closed now'])
    w.close()
    expect(log).toHaveLength(3)
  })

  it('never fires after a close, a pause, or a stop', async () => {
    const { w, log } = watch(30)
    w.open(Date.now())
    w.close()
    w.open(Date.now())
    w.pause()
    const since = Date.now()
    w.open(since)
    w.stop()
    await sleep(80)
    expect(log).toEqual([])
    expect(w.pending).toBe(false)
  })

  it('does not warn twice for the same open period seen again after a reconnect', async () => {
    const { w, log } = watch(20)
    const since = Date.now()
    w.open(since)
    await sleep(50)
    w.pause()
    w.open(since)
    await sleep(50)
    expect(log).toEqual(['warn'])
    w.close()
    expect(log).toEqual(['warn', 'closed now'])
  })

  it('caps the delay at the threshold when the server clock is ahead', async () => {
    const { w, log } = watch(40)
    w.open(Date.now() + 60_000)
    await sleep(90)
    expect(log).toEqual(['warn'])
  })
})

describe('door-client arguments', () => {
  it('accepts HOST PORT SECONDS and rejects anything else with a reason', () => {
    expect(parseDoorClientArgs(['localhost', '8000', '5'])).toEqual({ host: 'localhost', port: 8000, seconds: 5 })
    expect(parseDoorClientArgs(['::1', '1', '0.5'])).toEqual({ host: '::1', port: 1, seconds: 0.5 })
    expect(() => parseDoorClientArgs(['localhost', '8000'])).toThrow(/expected 3 arguments/)
    expect(() => parseDoorClientArgs(['localhost', '80x', '5'])).toThrow(/PORT/)
    expect(() => parseDoorClientArgs(['localhost', '70000', '5'])).toThrow(/PORT/)
    expect(() => parseDoorClientArgs(['localhost', '8000', '-1'])).toThrow(/SECONDS/)
    expect(() => parseDoorClientArgs(['localhost', '8000', ''])).toThrow(/SECONDS/)
  })
})
