import tls from 'node:tls'
import https from 'node:https'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, LineClient, makeTestCertificate, startChild, type ChildHandle } from '@eventwire/testkit'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const certificate = makeTestCertificate()
const TOKEN = 'main-t0ken-never-logged'
let children: ChildHandle[] = []
let clients: LineClient[] = []

beforeAll(() => buildPackage(appDir), 60_000)
afterAll(() => certificate.remove())
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await Promise.all(children.map((c) => c.stop()))
  clients = []
  children = []
})

/** The build, as production runs it: `node dist/main.js`. */
function main (env: Record<string, string>, args: string[] = []): ChildHandle {
  const child = startChild(process.execPath, ['dist/main.js', ...args], { cwd: appDir, env: { HOST: '127.0.0.1', DOOR_PORT: '0', DOOR_WEB_PORT: '0', ...env } })
  children.push(child)
  return child
}

async function tlsClient (port: number): Promise<LineClient> {
  const socket = tls.connect({ port, host: '127.0.0.1', ca: certificate.cert })
  const client = new LineClient(socket)
  clients.push(client)
  await once(socket, 'secureConnect')
  return client
}

describe('main.ts built, with TLS_CERT_FILE/TLS_KEY_FILE and DOOR_CLIENT_TOKEN', () => {
  it('speaks TLS on both ports, wants the token, says tls:// and https:// — and never logs the token, even at debug', async () => {
    const child = main({ TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile, DOOR_CLIENT_TOKEN: TOKEN, DOOR_SENSOR: 'stdin', LOG_LEVEL: 'debug' })
    const line = await child.waitForLine(/door-server listening/, 15_000, { earlier: true })
    const { tcp, web, tls: secure, clientToken, msg } = JSON.parse(line) as { tcp: string, web: string, tls: boolean, clientToken: boolean, msg: string }
    expect(msg).toBe(`door-server listening on tls://${tcp} (dashboard https://${web}/)`)
    expect({ secure, clientToken }).toEqual({ secure: true, clientToken: true })
    const port = Number(tcp.split(':').at(-1))
    const webPort = Number(web.split(':').at(-1))

    const c = await tlsClient(port)
    c.send(JSON.stringify(['auth', TOKEN]))
    child.child.stdin?.write('open\n')
    expect(JSON.parse(await c.next(10_000))[0]).toBe('open')
    c.send(JSON.stringify(['auth', TOKEN])) // a second one is dropped with a debug line, which must not hold it either
    await child.waitForLine(/dropped an auth frame/, 5000, { earlier: true })

    const wrong = await tlsClient(port)
    wrong.send('["auth","guess"]')
    await wrong.closed
    expect(JSON.parse(wrong.lines[0] as string)).toEqual(['refused', { code: 'ERR_UNAUTHORIZED', message: 'wrong token' }])

    // The built bin, as a user runs it.
    const bin = startChild(process.execPath, ['bin/door-client.js', '--ca', certificate.certFile, 'localhost', String(port), '60'], { cwd: appDir, env: { DOOR_CLIENT_TOKEN: TOKEN } })
    children.push(bin)
    await bin.waitForLine(/^door open since /, 10_000, { earlier: true })

    const state = await new Promise<{ status: number, body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: webPort, path: `/state?token=${TOKEN}`, ca: certificate.cert }, (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => { body += chunk.toString() })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      }).on('error', reject)
    })
    expect(state.status).toBe(200)
    expect(JSON.parse(state.body)).toMatchObject({ door: 'open' })

    await child.waitForLine(/refused a client that did not authenticate/, 5000, { earlier: true })
    child.child.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    const output = [...child.stdout, ...child.stderr].join('\n')
    expect(output).toMatch(/"level":20/) // debug lines were written, and none of them holds the token
    expect(output).not.toContain(TOKEN)
  })

  it('stops at start with exit 2 and one line naming the variable for a bad TLS_CERT_FILE', async () => {
    const missing = main({ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: certificate.keyFile })
    expect(await missing.exited).toBe(2)
    expect(missing.stderr).toEqual(['door-server: TLS_CERT_FILE /nonexistent/cert.pem cannot be read (ENOENT); set TLS_CERT_FILE to a PEM certificate file'])

    const garbage = join(dirname(certificate.certFile), 'garbage.pem') // removed with the certificate's folder
    writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n')
    const unusable = main({ TLS_CERT_FILE: garbage, TLS_KEY_FILE: certificate.keyFile })
    expect(await unusable.exited).toBe(2)
    expect(unusable.stderr).toHaveLength(1)
    expect(unusable.stderr[0]).toMatch(/^door-server: TLS_CERT_FILE .*garbage\.pem and TLS_KEY_FILE .* are not a usable certificate and key/)

    const half = main({ TLS_KEY_FILE: certificate.keyFile })
    expect(await half.exited).toBe(2)
    expect(half.stderr).toEqual(['door-server: TLS_KEY_FILE is set but TLS_CERT_FILE is not; set both (PEM files) for TLS, or neither'])
  })

  it('lists TLS_CERT_FILE, TLS_KEY_FILE, DOOR_CLIENT_TOKEN and DOOR_AUTH_TIMEOUT_MS in --help', async () => {
    const help = main({}, ['--help'])
    expect(await help.exited).toBe(0)
    const text = help.stdout.join('\n')
    for (const name of ['TLS_CERT_FILE / --tls-cert-file', 'TLS_KEY_FILE / --tls-key-file', 'DOOR_CLIENT_TOKEN / --client-token', 'DOOR_AUTH_TIMEOUT_MS / --auth-timeout-ms']) expect(text).toContain(name)
  })
})
