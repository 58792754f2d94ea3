import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LineClient, startChild, type ChildHandle, buildPackage } from '@eventwire/testkit'
import { describeStatus } from '../src/index.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))

describe('dist/main.js', () => {
  let child: ChildHandle | undefined

  beforeAll(() => {
    // The test is about the built program, so build it (a second or two).
    buildPackage(appDir)
  }, 60_000)

  afterAll(async () => {
    await child?.stop(1000)
  })

  it('logs the bound address, answers, and exits 0 on SIGTERM after ending its connections', async () => {
    child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_PORT: '0', STATUS_ADMIN_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' } })
    const line = await child.waitForLine(/listening on/, 10_000, { earlier: true })
    const port = Number((JSON.parse(line) as { port: number }).port)
    expect(line).toContain(`127.0.0.1:${port}`)

    const c = await LineClient.connect(port)
    c.send('404')
    expect(await c.next()).toBe(describeStatus(404))

    const code = await child.stop(5000)
    expect(code).toBe(0)
    await c.closed
    expect(child.stdout.some((l) => l.includes('status-server stopped'))).toBe(true)
  })

  it('logs its admin address (STATUS_ADMIN_PORT) and answers /readyz and /metrics there', async () => {
    const admin = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_PORT: '0', STATUS_ADMIN_PORT: '0', HOST: '127.0.0.1' } })
    try {
      const line = await admin.waitForLine(/admin .* on http/, 10_000, { earlier: true })
      const port = Number((JSON.parse(line) as { port: number }).port)
      expect(line).toContain(`http://127.0.0.1:${port}`)
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ status: 'ready' })
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      expect(metrics).toMatch(/^eventwire_ready 1$/m)
      expect(metrics).toMatch(/^process_cpu_user_seconds_total /m)
      expect(await admin.stop(5000)).toBe(0)
    } finally {
      await admin.stop(1000)
    }
  })

  it('names STATUS_ADMIN_PORT when the admin port is in use, with exit 2', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as net.AddressInfo
    try {
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_PORT: '0', STATUS_ADMIN_PORT: String(port) } })
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual([`status-server: STATUS_ADMIN_PORT ${port} is in use; set STATUS_ADMIN_PORT to a free port`])
    } finally {
      blocker.close()
    }
  })

  it('lists STATUS_ADMIN_PORT and its default in --help', async () => {
    const help = startChild(process.execPath, ['dist/main.js', '--help'], { cwd: appDir })
    expect(await help.exited).toBe(0)
    expect(help.stdout.join('\n')).toContain('STATUS_ADMIN_PORT / --admin-port: HTTP admin port, always on: GET /healthz, GET /readyz, GET /metrics (Prometheus) (0 picks a free one) (default 9671)')
  })

  it('refuses a bad STATUS_PORT with one line naming it and exit 2', async () => {
    const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_PORT: 'abc' } })
    expect(await bad.exited).toBe(2)
    expect(bad.stderr).toEqual([expect.stringContaining('STATUS_PORT must be a whole number')])
  })

  it('names the variable of a port in use, once, with exit 2', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as net.AddressInfo
    try {
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_PORT: String(port) } })
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual([`status-server: STATUS_PORT ${port} is in use; set STATUS_PORT to a free port`])
    } finally {
      blocker.close()
    }
  })
})
