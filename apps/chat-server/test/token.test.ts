import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { Client } from 'irc-framework'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { takeNick } from './helpers.js'
import { startIrcServer } from './irc-helpers.js'
import { plainLineClient, refusedUpgrade, sharedServer, wsClient } from './secure-helpers.js'

const TOKEN = 'open-sesame-7f3a'
const PROMPT = '* this room needs an access token: send /auth <token> as your first line'
const UNAUTHORIZED = { statusCode: 401, code: 'ERR_UNAUTHORIZED', error: 'Unauthorized', message: expect.stringContaining('/ws?token=<token>') }

const shared = sharedServer(async () => await startIrcServer({ token: TOKEN, maxLineBytes: 1024 }))
const { clients, sockets, closers } = shared

/** A TCP member that gave the token, renamed. */
async function member (nick: string): Promise<LineClient> {
  const client = await plainLineClient(shared.started.tcpPort, clients)
  expect(await client.next()).toBe(PROMPT)
  client.send(`/auth ${TOKEN}`)
  return await takeNick(client, nick)
}

/** What a TCP connection reads after sending `lines` first (then its end, with `end`), through the close. */
async function turnedAway (lines: string, end = false): Promise<string[]> {
  const client = await plainLineClient(shared.started.tcpPort, clients)
  if (end) client.socket.end(lines)
  else client.write(lines)
  await client.closed
  return client.lines
}

describe('CHAT_TOKEN over TCP', () => {
  it('a connection is nobody until /auth: no join, no messages either way; after it, the usual welcome and join', async () => {
    const alice = await member('alice')
    const bob = await plainLineClient(shared.started.tcpPort, clients)
    expect(await bob.next()).toBe(PROMPT)
    alice.send('said before bob is in')
    await sleep(500) // past the join sniff window: still nothing about bob
    expect(alice.lines.filter((l) => l.includes('joined'))).toEqual([])
    expect(shared.started.server.room.size).toBe(1)
    expect(bob.lines).toEqual([PROMPT])

    bob.send(`/auth   ${TOKEN}  `)
    const welcome = await bob.waitFor(/^\* Welcome/)
    expect(welcome).toMatch(/^\* Welcome to eventwire chat, guest-[a-z0-9]{4}!/)
    expect(await bob.waitFor(/said before/)).toBe('<alice> said before bob is in') // the history, as for anyone
    expect(await alice.waitFor(/joined$/)).toMatch(/^\* guest-[a-z0-9]{4} joined$/)
    bob.send('/nick bob')
    await alice.waitFor(/is now known as bob$/)
    bob.send('hello alice')
    expect(await alice.waitFor(/hello alice/)).toBe('<bob> hello alice')
  })

  it('a wrong token, or any other first line (a message, /who, a bare /auth), gets an error line and a close; nobody hears of it', async () => {
    const alice = await member('alice')
    expect(await turnedAway('/auth not-it\n')).toEqual([PROMPT, '! wrong access token; closing. Reconnect and send /auth <token> with the token the server was started with'])
    const notAuth = '! this room needs an access token and the first line must be /auth <token>; closing'
    expect(await turnedAway(`hello everyone\n/auth ${TOKEN}\n`)).toEqual([PROMPT, notAuth])
    expect(await turnedAway('/who\n')).toEqual([PROMPT, notAuth])
    expect(await turnedAway('/auth\n')).toEqual([PROMPT, notAuth])
    // An unterminated last line (printf … | nc) is judged too.
    expect(await turnedAway('/auth wrong-again', true)).toEqual([PROMPT, expect.stringMatching(/^! wrong access token/)])
    await sleep(300)
    // Nothing since alice's own rename: no join, no leave, none of their lines.
    expect(alice.lines.slice(alice.lines.findIndex((l) => l.endsWith(' is now known as alice')) + 1)).toEqual([])
    expect(shared.started.server.room.size).toBe(1)
  })

  it('no /auth within the deadline: closed with the reason', async () => {
    const quick = await startIrcServer({ token: TOKEN, authTimeoutMs: 200 })
    try {
      const client = await plainLineClient(quick.tcpPort, clients)
      const t0 = Date.now()
      await client.closed
      expect(Date.now() - t0).toBeLessThan(2000)
      expect(client.lines).toEqual([PROMPT, '! no /auth <token> within 200 ms; closing'])
      expect(quick.server.room.size).toBe(0)
    } finally {
      await quick.server.close()
    }
  })

  it('the line limit holds before the auth; an IRC client is still told where IRC is', async () => {
    expect(await turnedAway('x'.repeat(2000))).toEqual([PROMPT, '! line too long: the limit is 1024 bytes'])
    const where = `ERROR :this is eventwire chat's plain-text port, not IRC; connect with nc or telnet; IRC is on port ${shared.started.ircPort}`
    expect(await turnedAway('NICK lost\r\nUSER lost 0 * :lost\r\n')).toEqual([PROMPT, where])
    expect(await turnedAway(`PASS ${TOKEN}\r\nNICK lost\r\n`)).toEqual([PROMPT, where])
    // `NICK x` then not USER: a person, but the first line was not /auth.
    expect(await turnedAway(`NICK someone\n/auth ${TOKEN}\n`)).toEqual([PROMPT, expect.stringMatching(/first line must be \/auth/)])
  })
})

describe('CHAT_TOKEN over WebSocket', () => {
  const url = (query = ''): string => `ws://127.0.0.1:${shared.started.webPort}/ws${query}`

  it('opens with Authorization: Bearer or ?token= (beside the recovery parameters)', async () => {
    const byHeader = await wsClient(url(), { headers: { authorization: `Bearer ${TOKEN}` } }, sockets)
    expect(await byHeader.waitFor('welcome')).toMatchObject({ online: 1 })
    const byQuery = await wsClient(url(`?since=0&epoch=abc123&token=${TOKEN}`), {}, sockets)
    expect(await byQuery.waitFor('welcome')).toMatchObject({ online: 2 })
  })

  it('refuses a missing or wrong token at the upgrade: 401 and the shared error body; the room never hears of it', async () => {
    const alice = await member('alice')
    for (const refused of [
      await refusedUpgrade(url()),
      await refusedUpgrade(url('?token=wrong')),
      await refusedUpgrade(url(), { headers: { authorization: 'Bearer wrong' } }),
      await refusedUpgrade(url(), { headers: { authorization: TOKEN } }) // no Bearer scheme
    ]) {
      expect(refused.status).toBe(401)
      expect(refused.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer /)
      expect(JSON.parse(refused.body)).toEqual(UNAUTHORIZED)
    }
    expect(shared.started.server.room.size).toBe(1)
    expect(alice.lines.filter((l) => l.includes('joined'))).toEqual([])
  })

  it('answers a plain GET of /ws (how the page learns why it was refused): 401 without the token, 426 with it', async () => {
    const without = await fetch(`http://127.0.0.1:${shared.started.webPort}/ws`)
    expect(without.status).toBe(401)
    expect(await without.json()).toEqual(UNAUTHORIZED)
    const withToken = await fetch(`http://127.0.0.1:${shared.started.webPort}/ws?token=${TOKEN}`)
    expect(withToken.status).toBe(426)
    expect(await withToken.json()).toMatchObject({ statusCode: 426, code: 'ERR_UPGRADE_REQUIRED' })
  })

  it('the page passes ?token= on to /ws; without it, it says what is needed and stops retrying', async () => {
    const alice = await member('alice')
    const browser = await shared.browser()
    const page = await browser.newPage()
    try {
      const opened: string[] = []
      page.on('websocket', (ws) => opened.push(ws.url()))
      await page.goto(`http://127.0.0.1:${shared.started.webPort}/?token=${TOKEN}`)
      await page.locator('#status.connected').waitFor()
      expect(opened).toEqual([`ws://127.0.0.1:${shared.started.webPort}/ws?token=${TOKEN}`])
      await alice.waitFor(/ joined$/)
      for (const address of ['/', '/?token=wrong']) {
        await page.goto(`http://127.0.0.1:${shared.started.webPort}${address}`)
        await page.locator('#messages li.error', { hasText: 'access token required or wrong — open the page as /?token=…' }).waitFor()
        expect(await page.locator('#status').textContent()).toBe('access token required or wrong')
      }
    } finally {
      await page.close()
    }
  })
})

describe('CHAT_TOKEN over IRC (PASS)', () => {
  it('PASS with the token registers; a wrong or missing PASS gets 464, ERROR (Bad password) and a close', async () => {
    const alice = await member('alice')
    const ivy = await plainLineClient(shared.started.ircPort, clients)
    ivy.write(`PASS ${TOKEN}\r\nNICK ivy\r\nUSER ivy 0 * :Ivy\r\n`)
    expect(await ivy.waitFor(/^:eventwire 001 /)).toMatch(/^:eventwire 001 ivy /)
    await alice.waitFor(/is now known as ivy$/)
    for (const [hello, nick] of [['PASS wrong\r\n', 'mallory'], ['', 'nopass'], [`PASS :${TOKEN}x\r\n`, 'trailing']]) {
      const refused = await plainLineClient(shared.started.ircPort, clients)
      refused.write(`${hello}NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`)
      await refused.closed
      expect(refused.lines).toEqual([':eventwire 464 * :Password incorrect', `ERROR :Closing link: ${nick} (Bad password)`])
    }
    expect(shared.started.server.room.size).toBe(2)
    expect(alice.lines.filter((l) => /mallory|nopass|trailing/.test(l))).toEqual([])
  })

  it('irc-framework with the password option registers', async () => {
    const client = new Client({ auto_reconnect: false })
    let registered = false
    client.on('registered', () => { registered = true })
    client.connect({ host: '127.0.0.1', port: shared.started.ircPort, nick: 'fw', username: 'fw', gecos: 'fw', password: TOKEN })
    closers.push(() => client.connection.end())
    await waitUntil(() => registered, 'irc-framework registered with PASS')
    expect(shared.started.server.room.findByNick('fw')).toBeDefined()
  })
})
