import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { startChild, buildPackage } from '@eventwire/testkit'
import { describeStatus } from '@eventwire/status-server'
import { get, onCleanup, startStatus } from './helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))

describe('dist/main.js', () => {
  beforeAll(() => {
    // The test is about the built program, so build it (a second or two).
    buildPackage(appDir)
  }, 60_000)

  it('reads its env, logs the bound address, bridges, and exits 0 on SIGTERM', async () => {
    const { port: statusPort } = await startStatus()
    const child = startChild(process.execPath, ['dist/main.js'], {
      cwd: appDir,
      env: { HOST: '127.0.0.1', BRIDGE_PORT: '0', STATUS_HOST: '127.0.0.1', STATUS_PORT: String(statusPort), BRIDGE_TIMEOUT_MS: '1500' }
    })
    onCleanup(() => child.stop(1000))
    const line = await child.waitForLine(/listening on/, 10_000, { earlier: true })
    const { port, upstream } = JSON.parse(line) as { port: number, upstream: string }
    expect(line).toContain(`http://127.0.0.1:${port}`)
    expect(upstream).toBe(`127.0.0.1:${statusPort}`)
    await child.waitForLine(/connected to status-server/, 5000, { earlier: true })

    const res = await get(`http://127.0.0.1:${port}/status/404`)
    expect(JSON.parse(res.body)).toEqual({ code: 404, data: describeStatus(404) })

    expect(await child.stop(5000)).toBe(0)
    expect(child.stdout.some((l) => l.includes('http-bridge stopped'))).toBe(true)
  }, 30_000) // above the sum of the waits inside, so a hang reports which wait timed out

  it('refuses a bad BRIDGE_TIMEOUT_MS with one line naming it and exit 2', async () => {
    const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { BRIDGE_TIMEOUT_MS: 'soon' } })
    onCleanup(() => bad.stop(1000))
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toEqual([expect.stringContaining('BRIDGE_TIMEOUT_MS must be a whole number')])
  })

  it('reads the link probe interval from BRIDGE_PROBE_INTERVAL_MS (a bad value is named, exit 2)', async () => {
    const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { BRIDGE_PROBE_INTERVAL_MS: '0' } })
    onCleanup(() => bad.stop(1000))
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toEqual([expect.stringContaining('BRIDGE_PROBE_INTERVAL_MS')])
  })
})
