import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { parsePrometheusText, type PrometheusText } from '@eventwire/kit/metrics'
import { createChatServer, type ChatServerOptions } from '../src/index.js'
import { tcpJoin } from './helpers.js'
import { ircJoin, rawIrc, startIrcServer, type IrcStarted } from './irc-helpers.js'
import { WsClient } from './ws-client.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => { for (const fn of cleanups.splice(0).reverse()) await fn() })
const clients: LineClient[] = []
afterEach(() => { for (const c of clients.splice(0)) c.socket.destroy() })

async function chat (options: ChatServerOptions = {}): Promise<IrcStarted> {
  const started = await startIrcServer(options)
  cleanups.push(async () => await started.server.close())
  return started
}

async function browser (port: number, options = {}): Promise<WsClient> {
  const client = await WsClient.connect(port, options)
  cleanups.push(async () => await client.close())
  await client.waitFor('welcome')
  return client
}

/** GET /metrics on the web port over real HTTP, read by the kit's strict text-format reader. */
async function scrape (webPort: number): Promise<PrometheusText> {
  const res = await fetch(`http://127.0.0.1:${webPort}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(await res.text())
}

const tcp = { transport: 'tcp' }
const irc = { transport: 'irc' }
const ws = { transport: 'ws' }

/** How much a counter grew between two scrapes. */
function grew (before: PrometheusText, after: PrometheusText, name: string, labels: Record<string, string>): number {
  return (after.value(name, labels) ?? NaN) - (before.value(name, labels) ?? NaN)
}

describe('chat-server GET /metrics', () => {
  it('counts the members of all three transports, the lines they sent and the messages each was handed', async () => {
    const s = await chat()
    const empty = await scrape(s.webPort)
    expect(empty.value('eventwire_ready')).toBe(1)
    for (const t of [tcp, irc, ws]) {
      expect(empty.value('eventwire_connections_accepted_total', t)).toBe(0)
      expect(empty.value('eventwire_connections_dropped_total', { ...t, reason: 'not_reading' })).toBe(0)
      expect(empty.value('eventwire_chat_members', t)).toBe(0)
    }
    expect(empty.families.get('eventwire_redis_up')).toBeUndefined() // in-process

    const tom = await tcpJoin(s.tcpPort, 'tom', clients)
    const bob = await tcpJoin(s.tcpPort, 'bob', clients)
    const alice = await ircJoin(s.ircPort, 'alice', clients)
    const page = await browser(s.webPort)
    const pageNick = page.events[0]?.nick as string
    for (const reader of [tom, bob]) await reader.waitFor(`* ${pageNick} joined`)
    const tcpLinesBefore = tom.lines.length + bob.lines.length
    const before = await scrape(s.webPort)

    tom.write('one\ntwo\n')
    const privmsg = 'PRIVMSG #eventwire :hi from irc\r\n'
    await bob.waitFor('<tom> two')
    alice.write(privmsg)
    await bob.waitFor('<alice> hi from irc')
    page.send({ type: 'message', text: 'hi from the page' })
    // Each reader's last line: by then the room has handed every copy to its transport.
    await page.waitFor((e) => e.type === 'message' && e.text === 'hi from the page')
    await tom.waitFor(/> hi from the page$/)
    await bob.waitFor(/> hi from the page$/)
    await alice.waitFor(/PRIVMSG #eventwire :hi from the page$/)
    const after = await scrape(s.webPort)

    for (const [t, open] of [[tcp, 2], [irc, 1], [ws, 1]] as const) {
      expect(after.value('eventwire_connections_accepted_total', t)).toBe(open)
      expect(after.value('eventwire_connections_open', t)).toBe(open)
      expect(after.value('eventwire_chat_members', t)).toBe(open)
    }
    // tom's two lines reach bob, alice and the page; alice's line tom, bob and the page;
    // the page's line everyone, the page too (a browser shows its lines once the room has them).
    expect(grew(before, after, 'eventwire_messages_delivered_total', tcp)).toBe(2 + 2 + 2)
    expect(grew(before, after, 'eventwire_messages_delivered_total', irc)).toBe(2 + 0 + 1)
    expect(grew(before, after, 'eventwire_messages_delivered_total', ws)).toBe(2 + 1 + 1)
    expect(grew(before, after, 'eventwire_received_frames_total', tcp)).toBe(2)
    expect(grew(before, after, 'eventwire_received_frames_total', irc)).toBe(1)
    expect(grew(before, after, 'eventwire_received_frames_total', ws)).toBe(1)
    expect(grew(before, after, 'eventwire_received_bytes_total', tcp)).toBe(Buffer.byteLength('one\ntwo\n'))
    expect(grew(before, after, 'eventwire_received_bytes_total', irc)).toBe(Buffer.byteLength(privmsg))
    // What each reader's socket read is what the server's sockets wrote for it.
    // What the TCP readers read meanwhile is what the server's sockets wrote.
    const tcpLines = [...tom.lines, ...bob.lines].length - tcpLinesBefore
    expect(tcpLines).toBe(6)
    const tcpBytes = [...tom.lines.slice(-2), ...bob.lines.slice(-4)].reduce((n, l) => n + Buffer.byteLength(l + '\n'), 0)
    expect(grew(before, after, 'eventwire_sent_bytes_total', tcp)).toBe(tcpBytes)
    expect(grew(before, after, 'eventwire_sent_bytes_total', ws)).toBeGreaterThan(0)
    expect(after.value('eventwire_chat_history_messages')).toBe(4)
    expect(after.value('eventwire_messages_dropped_total', { ...tcp, reason: 'not_reading' })).toBe(0)
    expect(after.families.get('eventwire_send_queue_bytes')?.type).toBe('gauge')
    expect(after.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge')
  })

  it('counts a reader that stopped reading: dropped as not_reading, the message it did not get', async () => {
    const s = await chat({ maxQueueBytes: 16 * 1024, maxMessageLength: 4000, rateLimit: { burst: 1e6, perSecond: 1e6 } })
    const alice = await tcpJoin(s.tcpPort, 'alice', clients)
    const bob = await tcpJoin(s.tcpPort, 'bob', clients)
    const carol = await tcpJoin(s.tcpPort, 'carol', clients)
    carol.socket.pause()
    const text = 'x'.repeat(3000)
    const dropped = '* carol left (too slow: outgoing queue full)'
    // Bounded: at most 300 batches of ~96 KB, paced by bob's reading.
    for (let batch = 0; batch < 300 && !bob.lines.includes(dropped); batch++) {
      for (let i = 0; i < 32; i++) alice.send(`${batch}.${i} ${text}`)
      await bob.waitFor(`<alice> ${batch}.31 ${text}`)
    }
    expect(bob.lines).toContain(dropped)
    await waitUntil(() => s.server.tcp.connections === 2, 'carol\'s socket closed')
    const metrics = await scrape(s.webPort)
    expect(metrics.value('eventwire_connections_dropped_total', { ...tcp, reason: 'not_reading' })).toBe(1)
    expect(metrics.value('eventwire_messages_dropped_total', { ...tcp, reason: 'not_reading' })).toBe(1)
    expect(metrics.value('eventwire_connections_open', tcp)).toBe(2)
    expect(metrics.value('eventwire_connections_accepted_total', tcp)).toBe(3)
    expect(metrics.value('eventwire_chat_members', tcp)).toBe(2)
  })

  it('counts drops by reason: flooding, an over-long line, an IRC client on the TCP port, a bad WebSocket frame, a refused origin', async () => {
    const s = await chat({ maxLineBytes: 600, rateLimit: { burst: 2, perSecond: 0.1 } })
    const flooder = await LineClient.connect(s.tcpPort)
    clients.push(flooder)
    await flooder.waitFor(/^\* Welcome/)
    flooder.write('a\nb\nc\nd\n') // two within the burst, one warned and dropped, one too many
    await flooder.closed
    const long = await LineClient.connect(s.tcpPort)
    clients.push(long)
    long.write('x'.repeat(700) + '\n')
    await long.closed
    const ircOnTcp = await rawIrc(s.tcpPort, clients)
    ircOnTcp.write('NICK nick\r\nUSER nick 0 * :nick\r\n')
    await ircOnTcp.closed
    const page = await browser(s.webPort)
    page.send('y'.repeat(700)) // over maxPayload: ws closes with 1009
    expect((await page.closed).code).toBe(1009)
    const refused = new WebSocket(`ws://127.0.0.1:${s.webPort}/ws`, { headers: { origin: 'http://evil.example' } })
    refused.on('error', () => {})
    await once(refused, 'unexpected-response')
    refused.terminate()
    await waitUntil(() => s.server.tcp.connections === 0 && s.server.web.connections === 0, 'every socket closed')

    const metrics = await scrape(s.webPort)
    const dropped = (t: { transport: string }, reason: string): number | undefined => metrics.value('eventwire_connections_dropped_total', { ...t, reason })
    expect(dropped(tcp, 'rate_limit')).toBe(1)
    expect(metrics.value('eventwire_messages_dropped_total', { ...tcp, reason: 'rate_limit' })).toBe(2)
    expect(dropped(tcp, 'bad_input')).toBe(1)
    expect(dropped(tcp, 'irc_client')).toBe(1)
    expect(dropped(tcp, 'not_reading')).toBe(0)
    expect(dropped(ws, 'bad_input')).toBe(1)
    expect(metrics.value('eventwire_connections_refused_total', { ...ws, reason: 'origin' })).toBe(1)
    expect(metrics.value('eventwire_connections_accepted_total', tcp)).toBe(3)
    expect(metrics.value('eventwire_connections_accepted_total', ws)).toBe(1)
    expect(metrics.value('eventwire_received_frames_total', tcp)).toBe(4 + 2) // the long line never became one
  })
})

describe('chat-server /healthz and /readyz', () => {
  it('answers both over HTTP, then /readyz 503 in the shared shape once close() starts', async () => {
    const s = await chat({ closeGraceMs: 3000 })
    const base = `http://127.0.0.1:${s.webPort}`
    expect(await json(`${base}/healthz`)).toEqual({ status: 200, body: { status: 'ok', members: 0, tcp: 0, ws: 0 } })
    expect(await json(`${base}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } })
    // A browser that stops reading holds the close handshake open for closeGraceMs: the port still answers meanwhile.
    const page = await browser(s.webPort)
    page.ws.pause()
    const closing = s.server.close()
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status).toBe(503)
    expect(ready.headers.get('retry-after')).toBe('1')
    expect(await ready.json()).toEqual({ statusCode: 503, code: 'ERR_SHUTTING_DOWN', error: 'Service Unavailable', message: expect.stringContaining('shutting down'), status: 'unavailable' })
    expect((await json(`${base}/healthz`)).status).toBe(200)
    expect((await scrape(s.webPort)).value('eventwire_ready')).toBe(0)
    page.ws.terminate()
    await closing
  })

  it('is not ready before it listens', async () => {
    const unstarted = createChatServer()
    cleanups.push(async () => await unstarted.close())
    const res = await unstarted.web.app.inject('/readyz')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ statusCode: 503, code: 'ERR_NOT_LISTENING', error: 'Service Unavailable', status: 'unavailable' })
    expect(unstarted.health.ready).toBe(false)
  })
})

async function json (url: string): Promise<{ status: number, body: unknown }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}
