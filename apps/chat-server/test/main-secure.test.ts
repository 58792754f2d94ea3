import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildPackage, makeTestCertificate, startChild, type ChildHandle } from '@eventwire/testkit'
import { openedInTest } from './helpers.js'
import { refusedUpgrade, tlsLineClient, wsClient } from './secure-helpers.js'

// The artifact production runs, with TLS_CERT_FILE/TLS_KEY_FILE and CHAT_TOKEN as an operator sets them.
const appDir = fileURLToPath(new URL('..', import.meta.url))
const certificate = makeTestCertificate()
const TOKEN = 'tok-9d2c41-never-in-logs'
const WRONG = 'guess-5b77e0-never-in-logs'
const PORTS = { HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_WEB_PORT: '0', CHAT_IRC_PORT: '0' }
let child: ChildHandle | undefined

beforeAll(() => { buildPackage(appDir) }, 120_000)

// Registered before openedInTest's, so it runs after it: the child stops once the clients are closed.
afterEach(async () => {
  await child?.stop()
  child = undefined
})

const { clients, sockets } = openedInTest()

afterAll(() => { certificate.remove() })

describe('node dist/main.js with TLS and CHAT_TOKEN', () => {
  it('refuses a TLS setting it cannot use with one line naming the variable, and exit 2', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: certificate.keyFile }, 'TLS_CERT_FILE /nonexistent/cert.pem cannot be read'],
      [{ TLS_KEY_FILE: certificate.keyFile }, 'TLS_KEY_FILE is set but TLS_CERT_FILE is not'],
      [{ TLS_CERT_FILE: certificate.keyFile, TLS_KEY_FILE: certificate.certFile }, 'are not a usable certificate and key']
    ]
    for (const [env, message] of cases) {
      child = startChild(process.execPath, ['dist/main.js'], { cwd: appDir, env: { ...PORTS, ...env } })
      expect(await child.exited).toBe(2)
      expect(child.stderr).toEqual([expect.stringContaining(message)])
      child = undefined
    }
  })

  it('logs tls:// and https:// addresses, takes the token on all three ports, and never logs it (LOG_LEVEL=debug)', async () => {
    child = startChild(process.execPath, ['dist/main.js'], {
      cwd: appDir,
      env: { ...PORTS, LOG_LEVEL: 'debug', CHAT_TOKEN: TOKEN, TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile }
    })
    const log = JSON.parse(await child.waitForLine(/chat-server listening/, 10_000, { earlier: true })) as { tcp: string, web: string, irc: string, msg: string, tls: boolean, token: boolean }
    expect(log).toMatchObject({ tls: true, token: true })
    expect(log.msg).toBe(`chat-server listening: tcp tls://${log.tcp}, web https://${log.web}/, irc tls://${log.irc}`)
    const [tcpPort, webPort, ircPort] = [log.tcp, log.web, log.irc].map((a) => Number(a.split(':').pop())) as [number, number, number]
    const ca = certificate.cert

    // TCP: the right /auth, then a wrong one.
    const tom = await tlsLineClient(tcpPort, ca, clients)
    tom.send(`/auth ${TOKEN}`)
    await tom.waitFor(/^\* Welcome/)
    const mallory = await tlsLineClient(tcpPort, ca, clients)
    mallory.send(`/auth ${WRONG}`)
    expect(await mallory.waitFor(/^!/)).toMatch(/^! wrong access token/)

    // WebSocket: header and query, right and wrong.
    const wss = `wss://127.0.0.1:${webPort}/ws`
    const tls = { ca }
    await (await wsClient(wss, { ...tls, headers: { authorization: `Bearer ${TOKEN}` } }, sockets)).waitFor('welcome')
    await (await wsClient(`${wss}?token=${TOKEN}`, tls, sockets)).waitFor('welcome')
    expect((await refusedUpgrade(`${wss}?token=${WRONG}`, tls)).status).toBe(401)
    expect((await refusedUpgrade(wss, { ...tls, headers: { authorization: `Bearer ${WRONG}` } })).status).toBe(401)

    // IRC: PASS right and wrong.
    const ivy = await tlsLineClient(ircPort, ca, clients)
    ivy.write(`PASS ${TOKEN}\r\nNICK ivy\r\nUSER ivy 0 * :ivy\r\n`)
    await ivy.waitFor(/^:eventwire 001 /)
    const eve = await tlsLineClient(ircPort, ca, clients)
    eve.write(`PASS ${WRONG}\r\nNICK eve\r\nUSER eve 0 * :eve\r\n`)
    expect(await eve.waitFor(/ 464 /)).toBe(':eventwire 464 * :Password incorrect')

    await Promise.all([...clients.map(async (c) => await c.close()), ...sockets.map(async (s) => await s.close())])
    expect(await child.stop()).toBe(0)
    const output = [...child.stdout, ...child.stderr].join('\n')
    // Debug logging was on and saw the attempts…
    expect(output).toContain('tcp client authenticated')
    expect(output).toContain('tcp client refused: no valid /auth')
    expect(output).toContain('member joined')
    // …and neither the token nor the wrong guesses are anywhere in it.
    expect(output).not.toContain(TOKEN)
    expect(output).not.toContain(WRONG)
  })
})
