import { describe, expect, it } from 'vitest'
import { waitUntil } from '@eventwire/testkit'
import { LocalBus, type MessageEvent, type RoomBus, type RoomEvent, type RoomEventDraft } from '../src/index.js'
import { openedInTest, startServer, tcpJoin } from './helpers.js'
import { WsClient } from './ws-client.js'

const opened = openedInTest()
const { clients, sockets } = opened

/**
 * A bus shaped like a network log: it delivers later (next macrotask), can be
 * paused to hold what was published, and can refuse events.
 */
class LaterBus implements RoomBus {
  paused = false
  refuse: (event: RoomEventDraft) => boolean = () => false
  readonly held: RoomEvent[] = []
  readonly #history: MessageEvent[] = []
  #deliver: ((event: RoomEvent) => void) | undefined
  #seq = 0

  async publish (draft: RoomEventDraft): Promise<void> {
    if (this.refuse(draft)) throw new Error('the log is unavailable')
    this.held.push({ ...draft, seq: ++this.#seq } as RoomEvent)
    if (!this.paused) setImmediate(() => { this.release() })
  }

  release (): void {
    for (const event of this.held.splice(0)) {
      if (event.type === 'message' || event.type === 'action') this.#history.push(event)
      this.#deliver?.(event)
    }
  }

  subscribe (deliver: (event: RoomEvent) => void): () => void {
    this.#deliver = deliver
    return () => { this.#deliver = undefined }
  }

  history (): MessageEvent[] {
    return [...this.#history]
  }
}

describe('LocalBus', () => {
  it('numbers events in order, keeps the last messages, and delivers one published during a delivery right after it', async () => {
    const bus = new LocalBus({ historySize: 2 })
    const seen: Array<[string, number]> = []
    bus.subscribe((event) => {
      seen.push([event.type, event.seq])
      // As a slow member's leave is published from inside a broadcast.
      if (event.type === 'join') void bus.publish({ type: 'leave', nick: 'b', reason: 'flooding', code: 'FLOODING', fromId: 'b', ts: 2 })
      seen.push(['after', event.seq])
    })
    await bus.publish({ type: 'join', nick: 'a', fromId: 'a', ts: 1 })
    expect(seen).toEqual([['join', 1], ['after', 1], ['leave', 2], ['after', 2]])
    for (const text of ['x', 'y', 'z']) await bus.publish({ type: 'message', from: 'a', fromId: 'a', text, ts: 3 })
    expect(bus.history().map((m) => [m.text, m.seq])).toEqual([['y', 4], ['z', 5]])
  })
})

describe('the room on a bus that delivers later', () => {
  it('fans out only what the bus delivers, its own members\' lines included; replies to one member go straight', async () => {
    const bus = new LaterBus()
    opened.started = await startServer({ bus })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    await alice.waitFor(/is now known as bob$/)
    bus.paused = true
    alice.send('hello')
    await waitUntil(() => bus.held.length === 1, 'alice\'s line to reach the bus')
    // Published but not delivered: nobody has it, while direct replies still flow.
    bob.send('/who')
    expect(await bob.next()).toBe('* 2 online: alice, bob')
    expect(opened.started.server.room.history()).toEqual([])
    bus.paused = false
    bus.release()
    expect(await bob.next()).toBe('<alice> hello')
    expect(opened.started.server.room.history()).toEqual([expect.objectContaining({ text: 'hello', seq: expect.any(Number) })])
    // Over WebSocket the author's own line arrives from the bus too.
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    const welcome = await web.waitFor('welcome')
    expect(await web.waitFor('history')).toMatchObject({ messages: [{ text: 'hello', fromId: expect.any(String) }] })
    web.send({ type: 'message', text: 'from the page' })
    expect(await web.waitFor('message')).toMatchObject({ text: 'from the page', fromId: welcome.id })
    expect(await alice.waitFor(/from the page/)).toBe(`<${welcome.nick as string}> from the page`)
  })

  it('tells the author when the log refuses a line, and nobody else gets it', async () => {
    const bus = new LaterBus()
    opened.started = await startServer({ bus })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    await alice.waitFor(/is now known as bob$/)
    bus.refuse = (event) => event.type === 'message' && event.text === 'lost'
    alice.send('lost')
    expect(await alice.next()).toBe('! not delivered: the room could not take your message; nobody got it, try again')
    alice.send('kept')
    expect(await bob.next()).toBe('<alice> kept')
    const web = await WsClient.connect(opened.started.webPort)
    sockets.push(web)
    await web.waitFor('welcome')
    web.send({ type: 'message', text: 'lost' })
    expect(await web.waitFor('error')).toMatchObject({ code: 'NOT_DELIVERED' })
  })
})
