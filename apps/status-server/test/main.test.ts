import net from 'node:net'
import tls from 'node:tls'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import https from 'node:https'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LineClient, startChild, type ChildHandle, buildPackage, makeTestCertificate } from '@eventwire/testkit'
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

  describe('with TLS_CERT_FILE and TLS_KEY_FILE', () => {
    const certificate = makeTestCertificate()
    afterAll(() => certificate.remove())
    const tlsEnv = { STATUS_PORT: '0', STATUS_ADMIN_PORT: '0', HOST: '127.0.0.1', TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile }

    it('speaks TLS on its port and HTTPS on the admin port, and says so in its log lines', async () => {
      const secure = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: tlsEnv })
      try {
        const line = await secure.waitForLine(/listening on/, 10_000, { earlier: true })
        const port = Number((JSON.parse(line) as { port: number }).port)
        expect(line).toContain(`listening on tls://127.0.0.1:${port}`)
        const adminLine = await secure.waitForLine(/admin .* on https/, 10_000, { earlier: true })
        const adminPort = Number((JSON.parse(adminLine) as { port: number }).port)
        expect(adminLine).toContain(`https://127.0.0.1:${adminPort}`)

        const socket = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert, servername: 'localhost' })
        const c = new LineClient(socket)
        await once(socket, 'secureConnect')
        c.send('404')
        expect(await c.next()).toBe(describeStatus(404))
        socket.destroy()

        const ready = await new Promise<number>((resolve, reject) => {
          https.get({ host: '127.0.0.1', port: adminPort, path: '/readyz', ca: certificate.cert, servername: 'localhost' }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          }).on('error', reject)
        })
        expect(ready).toBe(200)
        expect(await secure.stop(5000)).toBe(0)
      } finally {
        await secure.stop(1000)
      }
    })

    it('refuses a TLS_KEY_FILE that is not a key with one line naming it and exit 2', async () => {
      const notKey = `${certificate.keyFile}.txt`
      writeFileSync(notKey, 'not a key\n')
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { ...tlsEnv, TLS_KEY_FILE: notKey } })
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual([expect.stringMatching(/^status-server: TLS_KEY_FILE \S+ is not PEM .*; set TLS_KEY_FILE to/)])
    })

    it('lists TLS_CERT_FILE and TLS_KEY_FILE in --help', async () => {
      const help = startChild(process.execPath, ['dist/main.js', '--help'], { cwd: appDir })
      expect(await help.exited).toBe(0)
      const text = help.stdout.join('\n')
      expect(text).toContain('TLS_CERT_FILE / --tls-cert-file')
      expect(text).toContain('TLS_KEY_FILE / --tls-key-file')
    })
  })
})
