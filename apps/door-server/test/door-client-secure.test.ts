import net from 'node:net'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { makeTestCertificate, startChild, waitUntil, type ChildHandle } from '@eventwire/testkit'
import { runDoorClient, type DoorClient } from '../src/index.js'
import { parseDoorClientArgs } from '../src/client/cli-args.js'
import { startDoor, type StartedDoor } from './helpers.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const certificate = makeTestCertificate()
const serverTls = { cert: certificate.cert, key: certificate.key }
const TOKEN = 's3cret-door'

let doors: StartedDoor[] = []
let children: ChildHandle[] = []
let clients: DoorClient[] = []
const silentSockets = new Set<net.Socket>()
const closers: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop()
  for (const close of closers.splice(0)) await close()
  await Promise.all(children.map((c) => c.stop()))
  await Promise.all(doors.map((d) => d.door.close()))
  children = []
  doors = []
})
afterAll(() => certificate.remove())

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const d = await startDoor(options)
  doors.push(d)
  return d
}

/** The CLI from source, as the bin runs its build. */
function doorClient (args: string[], env: Record<string, string> = {}): ChildHandle {
  const child = startChild(process.execPath, ['--import', 'tsx', 'src/door-client.ts', ...args], { cwd: appDir, env: { DOOR_CLIENT_TOKEN: '', DOOR_TLS: '', DOOR_TLS_CA_FILE: '', ...env } })
  children.push(child)
  return child
}

describe('door-client --token', () => {
  it('sends the token first on every connection (also after the server restarts), from --token or DOOR_CLIENT_TOKEN', async () => {
    const first = await door({ clientToken: TOKEN })
    first.sensor.set('close', 42)
    const client = doorClient(['--token', TOKEN, '127.0.0.1', String(first.port), '60'])
    await client.waitForLine(/^door closed at 1970-01-01T00:00:00.042Z$/, 10_000, { earlier: true })
    await first.door.close()
    await client.waitForLine(/^disconnected$/, 5000, { earlier: true })
    const second = await door({ clientToken: TOKEN, port: first.port })
    second.sensor.set('open', 43)
    await client.waitForLine(/^door open since 1970-01-01T00:00:00.043Z$/, 10_000, { earlier: true })

    const fromEnv = doorClient(['127.0.0.1', String(first.port), '60'], { DOOR_CLIENT_TOKEN: TOKEN })
    await fromEnv.waitForLine(/^door open since 1970-01-01T00:00:00.043Z$/, 10_000, { earlier: true })
  })

  it('prints a refusal once and exits 1 without retrying: a wrong token, or none', async () => {
    const { port, door: server } = await door({ clientToken: TOKEN, authTimeoutMs: 300 })
    const wrong = doorClient(['--token=guess', '127.0.0.1', String(port), '60'])
    expect(await wrong.exited).toBe(1)
    expect(wrong.stderr).toEqual(['door-server refused the connection: wrong token (ERR_UNAUTHORIZED); not retrying'])
    expect(wrong.stdout).toEqual(['connected'])

    const none = doorClient(['127.0.0.1', String(port), '60'])
    expect(await none.exited).toBe(1)
    expect(none.stderr).toEqual(['door-server refused the connection: timed out waiting for ["auth","token"] (300 ms) (ERR_UNAUTHORIZED); not retrying'])
    expect(server.tcp.stats.refused.get('unauthorized')).toBe(2)
  })
})

describe('door-client --tls', () => {
  it('connects with --ca (and with DOOR_TLS_CA_FILE), token and all', async () => {
    const { sensor, port } = await door({ tls: serverTls, clientToken: TOKEN })
    sensor.set('open', 7)
    const client = doorClient(['--tls', '--ca', certificate.certFile, '--token', TOKEN, 'localhost', String(port), '60'])
    await client.waitForLine(/^door open since 1970-01-01T00:00:00.007Z$/, 10_000, { earlier: true })
    sensor.set('close', 8)
    await client.waitForLine(/^door closed at 1970-01-01T00:00:00.008Z$/, 5000, { earlier: true })
    expect(client.stdout[0]).toBe('connected')

    const fromEnv = doorClient(['127.0.0.1', String(port), '60'], { DOOR_TLS_CA_FILE: certificate.certFile, DOOR_CLIENT_TOKEN: TOKEN })
    await fromEnv.waitForLine(/^door closed at 1970-01-01T00:00:00.008Z$/, 10_000, { earlier: true })
  })

  it('keeps retrying a certificate it does not trust, saying to pass --ca; never says connected', async () => {
    const { port } = await door({ tls: serverTls })
    const client = doorClient(['--tls', '127.0.0.1', String(port), '60'])
    const line = await client.waitForLine(/^reconnecting in/, 10_000, { earlier: true })
    expect(line).toMatch(/\(attempt 1: DEPTH_ZERO_SELF_SIGNED_CERT; the server's certificate is not trusted: pass --ca FILE \(DOOR_TLS_CA_FILE\)\)$/)
    await client.waitForLine(/attempt 2/, 10_000, { earlier: true })
    expect(client.stdout).toEqual([])
  })

  it('without --tls on a TLS port: the server\'s refusal is printed and the client exits 1', async () => {
    const { port } = await door({ tls: serverTls })
    const client = doorClient(['127.0.0.1', String(port), '60'])
    expect(await client.exited).toBe(1)
    expect(client.stderr).toHaveLength(1)
    expect(client.stderr[0]).toMatch(/^door-server refused the connection: this port speaks TLS: connect with door-client --tls .* \(ERR_TLS_REQUIRED\); not retrying$/)
  })

  it('gives up a handshake the server never answers (a plain port that waits) and retries', async () => {
    // A plain TCP server that reads and never writes: the ClientHello gets no answer.
    const silent = net.createServer((socket) => { socket.on('error', () => {}); socket.resume(); silentSockets.add(socket) })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    closers.push(async () => {
      for (const s of silentSockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    })
    const out: string[] = []
    const err: string[] = []
    const port = (silent.address() as net.AddressInfo).port
    clients.push(runDoorClient({ host: '127.0.0.1', port, seconds: 60, tls: { ca: certificate.cert, handshakeTimeoutMs: 200 }, print: (l) => out.push(l), printError: (l) => err.push(l) }))
    await waitUntil(() => err.length >= 2, 'two retries')
    expect(err[0]).toMatch(/^reconnecting in \d+ ms \(attempt 1: no TLS handshake within 200 ms; is it a plain TCP port\? \(try without --tls\)\)$/)
    expect(out).toEqual([])
  })

  it('exits 2 with a usage error for a CA file that is missing or not PEM', async () => {
    const missing = doorClient(['--ca', '/nonexistent/ca.pem', '127.0.0.1', '8000', '5'])
    expect(await missing.exited).toBe(2)
    expect(missing.stderr[0]).toBe('door-client: CA file /nonexistent/ca.pem (--ca, DOOR_TLS_CA_FILE) cannot be read (ENOENT); pass a PEM CA certificate file')
    const notPem = doorClient(['127.0.0.1', '8000', '5'], { DOOR_TLS_CA_FILE: fileURLToPath(new URL('../package.json', import.meta.url)) })
    expect(await notPem.exited).toBe(2)
    expect(notPem.stderr[0]).toMatch(/is not PEM \(no -----BEGIN line\)/)
  })

  it('documents the options in --help', async () => {
    const help = doorClient(['--help'])
    expect(await help.exited).toBe(0)
    const text = help.stdout.join('\n')
    for (const word of ['--tls', '--ca FILE', '--token TOKEN', 'DOOR_TLS=true', 'DOOR_TLS_CA_FILE', 'DOOR_CLIENT_TOKEN', 'exit code 1']) expect(text).toContain(word)
  })
})

describe('door-client arguments: TLS and token', () => {
  it('takes flags anywhere, flags over variables', () => {
    expect(parseDoorClientArgs(['--tls', 'h', '1', '2'])).toEqual({ host: 'h', port: 1, seconds: 2, tls: {} })
    expect(parseDoorClientArgs(['h', '1', '2', '--ca=/c.pem', '--token', 't'])).toEqual({ host: 'h', port: 1, seconds: 2, tls: { caFile: '/c.pem' }, token: 't' })
    expect(parseDoorClientArgs(['h', '1', '2'], { DOOR_TLS: 'true', DOOR_CLIENT_TOKEN: 'e' })).toEqual({ host: 'h', port: 1, seconds: 2, tls: {}, token: 'e' })
    expect(parseDoorClientArgs(['--token', 'f', 'h', '1', '2'], { DOOR_CLIENT_TOKEN: 'e', DOOR_TLS: 'false' })).toEqual({ host: 'h', port: 1, seconds: 2, token: 'f' })
    expect(() => parseDoorClientArgs(['h', '1', '2'], { DOOR_TLS: 'yes' })).toThrow(/DOOR_TLS must be true or false/)
    expect(() => parseDoorClientArgs(['--token', 'h', '1', '2'])).toThrow(/expected 3 arguments/)
    expect(() => parseDoorClientArgs(['--token'])).toThrow(/--token needs a value/)
    expect(() => parseDoorClientArgs(['--tsl', 'h', '1', '2'])).toThrow(/unknown option "--tsl"/)
  })
})
