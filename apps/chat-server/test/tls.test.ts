import https from 'node:https'
import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { Client } from 'irc-framework'
import { makeTestCertificate, waitUntil, type LineClient } from '@eventwire/testkit'
import { takeNick } from './helpers.js'
import { startIrcServer } from './irc-helpers.js'
import { plainExchange, plainLineClient, sharedServer, tlsLineClient, wsClient } from './secure-helpers.js'

const certificate = makeTestCertificate()
// Registered before sharedServer's afterAll, so it runs after it: the certificate files go once the server is closed.
afterAll(() => { certificate.remove() })
const shared = sharedServer(async () => await startIrcServer({ tls: { cert: certificate.cert, key: certificate.key } }))
const { clients, sockets, closers } = shared

async function tlsMember (nick: string): Promise<LineClient> {
  return await takeNick(await tlsLineClient(shared.started.tcpPort, certificate.cert, clients), nick)
}

describe('chat over TLS on all three ports', () => {
  it('TCP: two members over TLS get the welcome and talk', async () => {
    const alice = await tlsMember('alice')
    const bob = await tlsMember('bob')
    await alice.waitFor(/ is now known as bob$/)
    bob.send('hello over tls')
    expect(await alice.waitFor(/hello over tls/)).toBe('<bob> hello over tls')
    alice.send('and back')
    expect(await bob.waitFor(/and back/)).toBe('<alice> and back')
  })

  it('TCP: openssl s_client -quiet is a chat client, both ways', async () => {
    const alice = await tlsMember('alice')
    const child = spawn('openssl', ['s_client', '-quiet', '-no_ign_eof', '-connect', `127.0.0.1:${shared.started.tcpPort}`, '-CAfile', certificate.certFile, '-verify_return_error'], { stdio: ['pipe', 'pipe', 'pipe'] })
    closers.push(() => child.kill('SIGKILL'))
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.resume()
    await waitUntil(() => out.includes('* Welcome to eventwire chat'), 'the welcome through openssl', 10_000)
    child.stdin.write('hello from openssl\n')
    expect(await alice.waitFor(/hello from openssl/)).toMatch(/^<guest-[a-z0-9]{4}> hello from openssl$/)
    alice.send('hi openssl')
    await waitUntil(() => out.includes('<alice> hi openssl'), 'alice\'s line through openssl')
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.stdin.end()
    await exited
    expect(await alice.waitFor(/ left /)).toMatch(/^\* guest-[a-z0-9]{4} left \(connection closed\)$/)
  })

  it('TCP: a plain-text client is told to use TLS (and how) and closed, whether it speaks first or waits', async () => {
    const refusal = `! this port speaks TLS: nc and telnet cannot talk to it; connect with openssl s_client -quiet -connect host:${shared.started.tcpPort} (or another TLS client)\n`
    expect(await plainExchange(shared.started.tcpPort, 'hello\n')).toMatchObject({ text: refusal, closed: true })
    // nc waiting for a greeting: refused after the silence (2 s), not left hanging.
    const silent = await plainExchange(shared.started.tcpPort, null)
    expect(silent).toMatchObject({ text: refusal, closed: true })
    expect(silent.ms).toBeLessThan(5000)
    expect(shared.started.server.room.size).toBe(0)
  })

  it('TCP: an IRC client that found the TLS chat port is still told where IRC is', async () => {
    const irc = await tlsLineClient(shared.started.tcpPort, certificate.cert, clients)
    irc.write('NICK lost\r\nUSER lost 0 * :lost\r\n')
    expect(await irc.waitFor(/^ERROR/)).toBe(`ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet; IRC is on port ${shared.started.ircPort}`)
    await irc.closed
  })

  it('IRC: a raw client over TLS that checks the certificate registers and chats with a TCP member', async () => {
    const alice = await tlsMember('alice')
    const ivy = await tlsLineClient(shared.started.ircPort, certificate.cert, clients)
    ivy.write('NICK ivy\r\nUSER ivy 0 * :Ivy\r\n')
    expect(await ivy.waitFor(/^:eventwire 001 /)).toMatch(/^:eventwire 001 ivy :Welcome/)
    await ivy.waitFor(/^:eventwire 366 /)
    ivy.write('PRIVMSG #eventwire :hi from irc over tls\r\n')
    expect(await alice.waitFor(/hi from irc/)).toBe('<ivy> hi from irc over tls')
    alice.send('hello ivy')
    expect(await ivy.waitFor(/hello ivy/)).toBe(':alice!tcp@eventwire PRIVMSG #eventwire :hello ivy')
  })

  it('IRC: irc-framework with tls: true registers and receives', async () => {
    const alice = await tlsMember('alice')
    const client = new Client({ auto_reconnect: false })
    const said: string[] = []
    let registered = false
    client.on('registered', () => { registered = true })
    client.on('privmsg', (event: { message: string }) => said.push(event.message))
    client.connect({ host: '127.0.0.1', port: shared.started.ircPort, nick: 'framework', username: 'fw', gecos: 'fw', tls: true, rejectUnauthorized: false })
    closers.push(() => client.connection.end())
    await waitUntil(() => registered, 'irc-framework registered over TLS')
    await alice.waitFor(/is now known as framework$/)
    alice.send('can you read this')
    await waitUntil(() => said.includes('can you read this'), 'the message at irc-framework')
    client.say('#eventwire', 'loud and clear')
    expect(await alice.waitFor(/loud and clear/)).toBe('<framework> loud and clear')
  })

  it('IRC: a plain IRC client on the TLS port reads an ERROR saying so, and is closed', async () => {
    const plain = await plainLineClient(shared.started.ircPort, clients)
    plain.write('NICK plain\r\nUSER plain 0 * :plain\r\n')
    expect(await plain.next()).toBe(`ERROR :this IRC port speaks TLS; connect with TLS (irssi: /connect -tls host ${shared.started.ircPort}; weechat: /server add chat host/${shared.started.ircPort} -tls, or -ssl before 4.0)`)
    await plain.closed
  })

  it('web: WSS with ws, and HTTPS; plain HTTP gets a 400 saying to use https', async () => {
    const alice = await tlsMember('alice')
    const web = await wsClient(`wss://127.0.0.1:${shared.started.webPort}/ws`, { ca: certificate.cert }, sockets)
    expect(await web.waitFor('welcome')).toMatchObject({ online: 2 })
    web.send({ type: 'message', text: 'from wss' })
    expect(await alice.waitFor(/from wss/)).toMatch(/^<guest-[a-z0-9]{4}> from wss$/)
    const page = await new Promise<{ status?: number, body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: shared.started.webPort, path: '/', ca: certificate.cert, servername: 'localhost' }, (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => { body += chunk.toString() })
        res.on('end', () => resolve({ status: res.statusCode, body }))
      }).on('error', reject)
    })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>eventwire chat</title>')
    const plain = await fetch(`http://127.0.0.1:${shared.started.webPort}/healthz`)
    expect(plain.status).toBe(400)
    expect(await plain.json()).toMatchObject({ statusCode: 400, code: 'ERR_TLS_REQUIRED' })
  })

  it('web: the page over HTTPS in Chromium connects over wss:// and talks to a TLS member', async () => {
    const alice = await tlsMember('alice')
    const browser = await shared.browser()
    // The test certificate is self-signed: the context trusts it, as a user who accepted it would.
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    try {
      const page = await context.newPage()
      const sockets: string[] = []
      page.on('websocket', (ws) => sockets.push(ws.url()))
      await page.goto(`https://localhost:${shared.started.webPort}/`)
      await page.locator('#status.connected').waitFor()
      expect(sockets).toEqual([`wss://localhost:${shared.started.webPort}/ws`])
      await alice.waitFor(/ joined$/)
      await page.fill('#message', 'hello from https')
      await page.press('#message', 'Enter')
      expect(await alice.waitFor(/hello from https/)).toMatch(/^<guest-[a-z0-9]{4}> hello from https$/)
      alice.send('seen over wss')
      await page.locator('#messages li.message', { hasText: 'seen over wss' }).waitFor()
    } finally {
      await context.close()
    }
  })
})
