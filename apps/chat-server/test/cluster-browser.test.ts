import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { launchChromium } from '@eventwire/testkit/browser'
import { kickReason } from '../src/index.js'
import { startServer, tcpJoin, type Started } from './helpers.js'

let browser: Browser
let started: Started
const clients: LineClient[] = []

beforeAll(async () => {
  started = await startServer()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await Promise.all(clients.map(async (c) => await c.close()))
  await started?.server.close()
})

describe('the chat page recovers after a reconnect', () => {
  it('sends its last seq and epoch when it reconnects and shows what it missed, each line once', async () => {
    const tom = await tcpJoin(started.tcpPort, 'tom', clients)
    const page = await browser.newPage()
    try {
      await page.goto(`http://127.0.0.1:${started.webPort}/`)
      await page.locator('#status.connected').waitFor()
      tom.send('one\n')
      await page.locator('#messages li.message', { hasText: 'one' }).waitFor()
      const urls: string[] = []
      page.on('websocket', (ws) => urls.push(ws.url()))
      // The server drops the page; tom talks while it is away (its reconnect waits at least 250 ms).
      const member = [...started.server.room.members.values()].find((m) => m.transport.kind === 'ws')
      if (member === undefined) throw new Error('no page member')
      started.server.room.kick(member, kickReason('testing recovery'), false)
      tom.send('two\n')
      tom.send('three\n')
      await page.locator('#messages li', { hasText: /^reconnected: \d+ events you missed were replayed$/ }).waitFor()
      await page.locator('#messages li.message', { hasText: 'three' }).waitFor()
      expect(urls).toEqual([expect.stringMatching(/\/ws\?since=\d+&epoch=[0-9a-f]{16}$/)])
      for (const text of ['one', 'two', 'three']) {
        expect(await page.locator('#messages li.message', { hasText: new RegExp(`: ${text}$`) }).count(), text).toBe(1)
      }
      expect(await page.locator('#messages li.history').count()).toBe(0)
      await waitUntil(async () => await page.locator('#status.connected').count() === 1, 'the page to be connected')
    } finally {
      await page.close()
    }
  })
})
