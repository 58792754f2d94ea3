import { describe, expect, it } from 'vitest'
import { kickReason } from '../src/index.js'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest()
const { clients, sockets } = opened

async function wsJoin (port: number, nick: string): Promise<WsClient> {
  const client = await WsClient.connect(port)
  sockets.push(client)
  const welcome = await client.waitFor('welcome')
  client.send({ type: 'nick', nick })
  await client.waitFor((e) => e.type === 'nick' && e.from === welcome.nick && e.to === nick)
  return client
}

describe('web transport', () => {
  it('serves the page, its assets and /healthz', async () => {
    opened.started = await startServer()
    const base = `http://127.0.0.1:${opened.started.webPort}`
    const page = await fetch(`${base}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await page.text()).toContain('<title>eventwire chat</title>')
    const js = await fetch(`${base}/app.js`)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await js.text()).toContain("new WebSocket(`${scheme}//${location.host}/ws${wsQuery()}`)")
    expect((await fetch(`${base}/style.css`)).status).toBe(200)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    // Browsers ask for it on every page: answered, so their consoles show no 404.
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(200)
    await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const health = await fetch(`${base}/healthz`)
    expect(await health.json()).toEqual({ status: 'ok', members: 1, tcp: 1, ws: 0 })
    expect((await fetch(`${base}/nope`)).status).toBe(404)
  })

  it('puts a WebSocket user and a TCP user in the same room, both ways', async () => {
    opened.started = await startServer()
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    const welcome = await web.next()
    expect(welcome).toEqual({ type: 'welcome', id: expect.stringMatching(/^[\w-]{21}$/), nick: expect.stringMatching(/^guest-[a-z0-9]{4}$/), online: 2, text: expect.stringContaining('/help'), epoch: expect.stringMatching(/^[0-9a-f]{16}$/), seq: expect.any(Number) })
    expect(await tom.next()).toBe(`* ${welcome.nick as string} joined`)

    web.send({ type: 'nick', nick: 'wendy' })
    expect(await tom.next()).toBe(`* ${welcome.nick as string} is now known as wendy`)
    const renamed = await web.next()
    expect(renamed).toEqual({ type: 'nick', from: welcome.nick, to: 'wendy', fromId: welcome.id, ts: expect.any(Number), seq: expect.any(Number) })

    web.send({ type: 'message', text: 'hi from the browser' })
    expect(await tom.next()).toBe('<wendy> hi from the browser')
    // The author's own line comes back from the room, in the room's order.
    expect(await web.next()).toEqual({ type: 'message', from: 'wendy', fromId: welcome.id, text: 'hi from the browser', ts: expect.any(Number), seq: renamed.seq + 1 })
    tom.send('hi from netcat')
    const msg = await web.next()
    expect(msg).toEqual({ type: 'message', from: 'tom', fromId: expect.stringMatching(/^[\w-]{21}$/), text: 'hi from netcat', ts: expect.any(Number), seq: renamed.seq + 2 })
    expect(Math.abs(Date.now() - (msg.ts as number))).toBeLessThan(60_000)

    // Commands typed into the page travel as message text, as over TCP.
    web.send({ type: 'message', text: '/me waves' })
    expect(await tom.next()).toBe('* wendy waves')
    expect(await web.next()).toMatchObject({ type: 'action', from: 'wendy', fromId: welcome.id, text: 'waves' })
    tom.send('/me waves back')
    expect(await web.next()).toEqual({ type: 'action', from: 'tom', fromId: msg.fromId, text: 'waves back', ts: expect.any(Number), seq: expect.any(Number) })
    web.send({ type: 'who' })
    expect(await web.next()).toEqual({ type: 'who', nicks: ['tom', 'wendy'] })
    web.send({ type: 'msg', to: 'TOM', text: 'private hi' })
    expect(await tom.next()).toBe('[private] <wendy> private hi')
    expect(await web.next()).toEqual({ type: 'private', from: 'wendy', to: 'tom', text: 'private hi', ts: expect.any(Number) })
    web.send({ type: 'message', text: '/bogus' })
    expect(await web.next()).toEqual({ type: 'error', code: 'UNKNOWN_COMMAND', text: 'unknown command /bogus; type /help for the list' })

    await tom.close()
    expect(await web.next()).toEqual({ type: 'leave', nick: 'tom', reason: 'connection closed', code: 'CLOSED', fromId: msg.fromId, ts: expect.any(Number), seq: expect.any(Number) })
  })

  it('answers bad JSON and bad requests with an error to that client only', async () => {
    opened.started = await startServer()
    const ann = await wsJoin(opened.started.webPort, 'ann')
    const ben = await wsJoin(opened.started.webPort, 'ben')
    await ann.waitFor((e) => e.type === 'nick' && e.to === 'ben')
    ann.send('{"type":"message", nope')
    expect(await ann.next()).toEqual({ type: 'error', code: 'BAD_REQUEST', text: expect.stringMatching(/^bad JSON/) })
    ann.send({ type: 'message', text: 42 })
    expect(await ann.next()).toEqual({ type: 'error', code: 'BAD_REQUEST', text: 'a message needs a string "text"' })
    ann.send({ type: 'launch' })
    expect(await ann.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST', text: expect.stringMatching(/^unknown type "launch"/) })
    ann.send([1, 2])
    expect(await ann.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST' })
    ann.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    expect(await ann.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST', text: expect.stringMatching(/^binary frames/) })
    ann.send({ type: 'message', text: 'still fine' })
    // Ben saw none of the errors: his next event is ann's message.
    expect(await ben.next()).toEqual({ type: 'message', from: 'ann', fromId: expect.any(String), text: 'still fine', ts: expect.any(Number), seq: expect.any(Number) })
  })

  it('closes a client that sends more than maxPayload, and only that client', async () => {
    opened.started = await startServer({ maxLineBytes: 1024 })
    const ann = await wsJoin(opened.started.webPort, 'ann')
    const ben = await wsJoin(opened.started.webPort, 'ben')
    ann.send({ type: 'message', text: 'x'.repeat(2000) })
    expect((await ann.closed).code).toBe(1009)
    expect(await ben.waitFor('leave')).toMatchObject({ nick: 'ann', reason: 'connection closed' })
    expect(opened.started.server.room.size).toBe(1)
  })

  it('drops a browser that stops answering pings; live ones stay', async () => {
    opened.started = await startServer({ heartbeatIntervalMs: 200 })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const live = await wsJoin(opened.started.webPort, 'live')
    // autoPong off: this client is a browser tab that froze.
    const dead = await WsClient.connect(opened.started.webPort, { autoPong: false })
    sockets.push(dead)
    const { nick } = await dead.waitFor('welcome')
    expect(await tom.waitFor(/left/)).toBe(`* ${nick as string} left (no answer to ping)`)
    await dead.closed
    await new Promise((resolve) => setTimeout(resolve, 300))
    live.send({ type: 'message', text: 'still alive' })
    expect(await tom.waitFor(/still alive/)).toBe('<live> still alive')
  })

  it('chooses the close code from the leave code: 1000 after /quit, 1008 for policy, whatever the reason says', async () => {
    opened.started = await startServer({ rateLimit: { burst: 2, perSecond: 0.1 } })
    const tom = await tcpJoin(opened.started.tcpPort, 'tom', clients)
    const quitter = await WsClient.connect(opened.started.webPort)
    sockets.push(quitter)
    await quitter.waitFor('welcome')
    quitter.send({ type: 'message', text: '/quit bye' })
    expect(await quitter.closed).toEqual({ code: 1000, reason: 'quit: bye' })
    expect(await tom.waitFor(/left/)).toMatch(/^\* guest-\w+ left \(quit: bye\)$/)
    // An operator's kick whose text reads like a quit is still a kick.
    const kicked = await WsClient.connect(opened.started.webPort)
    sockets.push(kicked)
    const { id } = await kicked.waitFor('welcome')
    const member = opened.started.server.room.members.get(id as string)
    opened.started.server.room.kick(member!, kickReason('quit'), true)
    expect(await kicked.closed).toEqual({ code: 1008, reason: 'quit' })
    const flooder = await WsClient.connect(opened.started.webPort)
    sockets.push(flooder)
    await flooder.waitFor('welcome')
    for (let i = 0; i < 4; i++) flooder.send({ type: 'who' })
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'flooding' })
    expect(await tom.waitFor(/left \(flooding\)/)).toMatch(/flooding/)
  })

  it('refuses WebSocket upgrades on other paths', async () => {
    opened.started = await startServer()
    await expect(WsClient.connect(opened.started.webPort).then(async (c) => await c.close())).resolves.toBeUndefined()
    const { default: WebSocket } = await import('ws')
    const ws = new WebSocket(`ws://127.0.0.1:${opened.started.webPort}/elsewhere`)
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
      ws.on('error', () => resolve(-1))
    })
    expect(status).toBe(404)
  })
})
