import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startChild, waitUntil, type ChildHandle } from '@eventwire/testkit'
import { startDoor, type StartedDoor } from './helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const WARNING = /^DOOR OPEN FOR MORE THAN 1 SECONDS, GO CLOSE IT!!!$/

let doors: StartedDoor[] = []
let children: ChildHandle[] = []

function doorClient (port: number, seconds: number): ChildHandle {
  // tsx runs the CLI from source, so the suite needs no build step; the bin stub runs dist/ the same way.
  const child = startChild(process.execPath, ['--import', 'tsx', 'src/door-client.ts', '127.0.0.1', String(port), String(seconds)], { cwd: appDir })
  children.push(child)
  return child
}

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const d = await startDoor(options)
  doors.push(d)
  return d
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

afterEach(async () => {
  await Promise.all(children.map((c) => c.stop()))
  await Promise.all(doors.map((d) => d.door.close()))
  children = []
  doors = []
})

describe('door-client CLI', () => {
  it('warns on stderr once the door is open longer than SECONDS, says "closed now" when it closes, never warns for a short opening', async () => {
    const { sensor, port } = await door()
    sensor.set('close')
    const client = doorClient(port, 1)
    await client.waitForLine(/^connected$/, 10_000, { earlier: true })
    await client.waitForLine(/^door closed at /, 5000, { earlier: true })

    // Short opening: the timer must be cleared on close, or it would fire later.
    sensor.set('open')
    await client.waitForLine(/^door open since /)
    await sleep(300)
    sensor.set('close')
    await client.waitForLine(/^door closed at /)
    await sleep(1200)
    expect(client.stderr.filter((l) => WARNING.test(l))).toEqual([])
    expect(client.stdout).not.toContain('closed now')

    const openedAt = Date.now()
    sensor.set('open', openedAt)
    await client.waitForLine(WARNING, 5000)
    const warnedAfter = Date.now() - openedAt
    expect(warnedAfter).toBeGreaterThanOrEqual(950)
    expect(client.stderr.filter((l) => WARNING.test(l))).toHaveLength(1)
    expect(client.stdout.some((l) => WARNING.test(l))).toBe(false)
    sensor.set('close')
    await client.waitForLine(/^closed now$/)
    expect(await client.stop()).toBe(0)
  })

  it('times the warning from the event timestamp, not from when the client heard of it', async () => {
    const { sensor, port } = await door()
    // The example (opened 4 s ago, SECONDS=5), stretched so a slow child start cannot blur it.
    const openedAt = Date.now() - 8000
    sensor.set('open', openedAt)
    const spawnedAt = Date.now()
    const client = doorClient(port, 10)
    await client.waitForLine(/^DOOR OPEN FOR MORE THAN 10 SECONDS, GO CLOSE IT!!!$/, 12_000, { earlier: true })
    const warnedAt = Date.now()
    expect(warnedAt - openedAt).toBeGreaterThanOrEqual(9950)
    // Timed from receipt it could not come before spawnedAt + 10 s.
    expect(warnedAt - spawnedAt).toBeLessThan(9000)
  })

  it('survives the server restarting on the same port: disconnected, connected, no stale warning, then warns again', async () => {
    const first = await door()
    first.sensor.set('open')
    const client = doorClient(first.port, 1)
    await client.waitForLine(/^door open since /, 10_000, { earlier: true })
    // Down before the 1 s warning is due, and back with the door closed: the old timer must not fire.
    await first.door.close()
    await client.waitForLine(/^disconnected$/, 5000, { earlier: true })
    const second = await door({ port: first.port })
    second.sensor.set('close')
    await waitUntil(() => {
      const after = client.stdout.slice(client.stdout.indexOf('disconnected'))
      return after.includes('connected') && after.some((l) => l.startsWith('door closed at '))
    }, 'connected again and told the door is closed', 10_000)
    await sleep(1200)
    expect(client.stderr.filter((l) => WARNING.test(l))).toEqual([])

    second.sensor.set('open')
    await client.waitForLine(WARNING, 5000)
    second.sensor.set('close')
    await client.waitForLine(/^closed now$/)
    const out = client.stdout.join('\n')
    expect(out.indexOf('disconnected')).toBeLessThan(out.lastIndexOf('connected'))
  })

  it('keeps retrying while no server is up, then connects', async () => {
    const placeholder = await door()
    const port = placeholder.port
    await placeholder.door.close()
    const client = doorClient(port, 1)
    await client.waitForLine(/^reconnecting in \d+ ms \(attempt \d+: ECONNREFUSED\)$/, 10_000, { earlier: true })
    const up = await door({ port })
    up.sensor.set('close', 42)
    await client.waitForLine(/^door closed at 1970-01-01T00:00:00.042Z$/, 10_000, { earlier: true })
    expect(client.child.exitCode).toBe(null)
  })

  it('shows the offline notice and the return of the sensor', async () => {
    const { sensor, port } = await door({ offlineAfterMs: 300 })
    sensor.set('open')
    const client = doorClient(port, 1)
    await client.waitForLine(/^door open since /, 10_000, { earlier: true })
    await client.waitForLine(/^sensor offline since .*: door state unknown$/, 5000, { earlier: true })
    sensor.set('close')
    await client.waitForLine(/^sensor back online$/, 5000, { earlier: true })
    await client.waitForLine(/^door closed at /, 5000, { earlier: true })
  })

  it('prints usage and exits 2 on bad arguments', async () => {
    const client = startChild(process.execPath, ['--import', 'tsx', 'src/door-client.ts', 'localhost', 'eighty'], { cwd: appDir })
    children.push(client)
    expect(await client.exited).toBe(2)
    expect(client.stderr.join('\n')).toMatch(/usage: door-client HOST PORT SECONDS/)
  })

  it('prints usage on stdout and exits 0 for --help and -h', async () => {
    for (const flag of ['--help', '-h']) {
      const client = startChild(process.execPath, ['--import', 'tsx', 'src/door-client.ts', flag], { cwd: appDir })
      children.push(client)
      expect(await client.exited).toBe(0)
      expect(client.stdout[0]).toBe('usage: door-client HOST PORT SECONDS')
    }
  })
})
