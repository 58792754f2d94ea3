import https from 'node:https'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChild, buildPackage, makeTestCertificate } from '@eventwire/testkit'
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

  describe('with TLS (TLS_CERT_FILE, TLS_KEY_FILE, STATUS_TLS, STATUS_TLS_CA_FILE)', () => {
    const certificate = makeTestCertificate()
    afterAll(() => certificate.remove())
    const tlsEnv = { HOST: '127.0.0.1', BRIDGE_PORT: '0', STATUS_HOST: '127.0.0.1', TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile, STATUS_TLS: 'true', STATUS_TLS_CA_FILE: certificate.certFile }

    it('answers HTTPS from a TLS status-server, and says https:// and tls:// in its log line', async () => {
      const { port: statusPort } = await startStatus(0, { tls: { cert: certificate.cert, key: certificate.key } })
      const child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { ...tlsEnv, STATUS_PORT: String(statusPort) } })
      onCleanup(() => child.stop(1000))
      const line = await child.waitForLine(/listening on/, 10_000, { earlier: true })
      const { port, upstream } = JSON.parse(line) as { port: number, upstream: string }
      expect(line).toContain(`https://127.0.0.1:${port}`)
      expect(upstream).toBe(`tls://127.0.0.1:${statusPort}`)
      await child.waitForLine(/connected to status-server over TLS/, 5000, { earlier: true })
      const body = await new Promise<string>((resolve, reject) => {
        https.get(`https://localhost:${port}/status/404`, { ca: certificate.cert }, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => { text += chunk.toString() })
          res.on('end', () => resolve(text))
        }).on('error', reject)
      })
      expect(JSON.parse(body)).toEqual({ code: 404, data: describeStatus(404) })
      expect(await child.stop(5000)).toBe(0)
    }, 30_000)

    it('refuses an unreadable STATUS_TLS_CA_FILE with one line naming it and exit 2', async () => {
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { ...tlsEnv, STATUS_TLS_CA_FILE: '/nonexistent/ca.pem' } })
      onCleanup(() => bad.stop(1000))
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual(['http-bridge: STATUS_TLS_CA_FILE /nonexistent/ca.pem cannot be read (ENOENT); set STATUS_TLS_CA_FILE to a PEM CA certificate file'])
    })

    it('refuses a TLS_KEY_FILE that is not the certificate\'s key with one line and exit 2', async () => {
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { ...tlsEnv, TLS_KEY_FILE: certificate.certFile } })
      onCleanup(() => bad.stop(1000))
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual([expect.stringMatching(/^http-bridge: TLS_CERT_FILE \S+ and TLS_KEY_FILE \S+ are not a usable certificate and key/)])
    })

    it('refuses STATUS_TLS_CA_FILE without STATUS_TLS=true (it would connect in plain text)', async () => {
      const bad = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { STATUS_TLS_CA_FILE: certificate.certFile } })
      onCleanup(() => bad.stop(1000))
      expect(await bad.exited).toBe(2)
      expect(bad.stderr).toEqual(['http-bridge: STATUS_TLS_CA_FILE is set but STATUS_TLS is not true; set STATUS_TLS=true to reach status-server over TLS, or unset STATUS_TLS_CA_FILE'])
    })
  })
})
