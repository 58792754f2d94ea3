import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient } from '@eventwire/testkit'
import { InProcessDoorBus, applyDoorEvent, initialDoorEvents, type DoorEvent } from '../src/index.js'
import { startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | null = null
const clients: LineClient[] = []
const browsers: WebSocket[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  for (const b of browsers.splice(0)) b.terminate()
  await started?.door.close()
  started = null
})

describe('InProcessDoorBus', () => {
  it('delivers in publish order to every subscriber, with the state already applied', () => {
    const bus = new InProcessDoorBus()
    const seen: Array<[string, DoorEvent, string | null]> = []
    const offA = bus.subscribe((e) => seen.push(['a', e, bus.snapshot().door]))
    bus.subscribe((e) => seen.push(['b', e, bus.snapshot().door]))
    bus.publish({ name: 'open', at: 1 })
    offA()
    bus.publish({ name: 'close', at: 2 })
    expect(seen).toEqual([
      ['a', { name: 'open', at: 1 }, 'open'],
      ['b', { name: 'open', at: 1 }, 'open'],
      ['b', { name: 'close', at: 2 }, 'close']
    ])
    expect(bus.subscriberCount).toBe(1)
  })

  it('keeps the state as the fold of the events, and answers a newcomer from it', () => {
    const events: DoorEvent[] = [{ name: 'open', at: 5 }, { name: 'offline', at: 9 }]
    const state = events.reduce(applyDoorEvent, new InProcessDoorBus().snapshot())
    expect(state).toEqual({ door: 'open', since: 5, online: false, offlineSince: 9 })
    expect(initialDoorEvents(state)).toEqual(events)
    expect(applyDoorEvent(state, { name: 'online', at: 12 })).toEqual({ door: 'open', since: 5, online: true, offlineSince: null })
  })
})

describe('door-server transports broadcast what the bus delivers', () => {
  it('sends an event published on the bus by someone else (another instance, issue 12) to TCP clients and browsers', async () => {
    const bus = new InProcessDoorBus()
    started = await startDoor({ bus })
    const { port, webPort } = started
    const c = await LineClient.connect(port)
    clients.push(c)
    const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`)
    browsers.push(ws)
    ws.on('error', () => {})
    const [first] = await once(ws, 'message') as [Buffer]
    expect(JSON.parse(String(first))).toMatchObject({ event: null, door: null })

    const next = once(ws, 'message')
    bus.publish({ name: 'open', at: 42 }) // not from this server's sensor
    expect(await c.next()).toBe('["open",42]')
    const [update] = await next as [Buffer]
    expect(JSON.parse(String(update))).toMatchObject({ type: 'state', event: { name: 'open', at: 42 }, door: 'open', since: 42 })

    // A late joiner and GET /state read the state from the bus.
    const late = await LineClient.connect(port)
    clients.push(late)
    expect(await late.next()).toBe('["open",42]')
    expect(await (await fetch(`http://127.0.0.1:${webPort}/state`)).json()).toMatchObject({ door: 'open', since: 42 })
  })
})
