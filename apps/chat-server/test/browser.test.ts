import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { LineClient } from '@eventwire/testkit'
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

describe('the chat page in Chromium', () => {
  it('sets a nickname, talks to a netcat user and hears back', async () => {
    const tom = await tcpJoin(started.tcpPort, 'tom', clients)
    const page = await browser.newPage()
    try {
      await page.goto(`http://127.0.0.1:${started.webPort}/`)
      await page.locator('#status.connected').waitFor()
      const joined = await tom.waitFor(/^\* guest-[a-z0-9]{4} joined$/)
      const guest = joined.slice(2, -' joined'.length)
      // The page asks /who on connect: tom is listed.
      await page.locator('#who li', { hasText: 'tom' }).waitFor()

      await page.fill('#nick', 'webby')
      await page.click('#nick-form button')
      expect(await tom.next()).toBe(`* ${guest} is now known as webby`)
      await page.locator('#who li.me', { hasText: 'webby' }).waitFor()

      await page.fill('#message', 'hello from chromium')
      await page.press('#message', 'Enter')
      expect(await tom.next()).toBe('<webby> hello from chromium')
      expect(await page.inputValue('#message')).toBe('')
      // The page's own line is the server's echo, shown once, marked as ours.
      await page.locator('#messages li.message.self', { hasText: 'hello from chromium' }).waitFor()
      expect(await page.locator('#messages li.message', { hasText: 'hello from chromium' }).count()).toBe(1)
      // A command typed into the page is parsed by the server, and its echo is what shows.
      await page.fill('#message', '/me waves')
      await page.press('#message', 'Enter')
      expect(await tom.next()).toBe('* webby waves')
      await page.locator('#messages li.action.self', { hasText: '* webby waves' }).waitFor()

      tom.send('hello browser <b>not bold</b>')
      const line = page.locator('#messages li.message', { hasText: 'hello browser' })
      await line.waitFor()
      expect(await line.locator('.from').textContent()).toBe('tom')
      // Rendered as text, never as markup.
      expect(await line.textContent()).toContain(': hello browser <b>not bold</b>')
      expect(await page.locator('#messages b').count()).toBe(0)

      await tom.close()
      await page.locator('#messages li', { hasText: 'tom left (connection closed)' }).waitFor()
      expect(await page.locator('#who li').allTextContents()).toEqual(['webby'])

      // Dropped by the server: the page shows it, reconnects by itself and takes its nickname back.
      const member = started.server.room.findByNick('webby')
      expect(member).toBeDefined()
      started.server.room.kick(member as NonNullable<typeof member>, kickReason('testing reconnect'), true)
      await page.locator('#messages li', { hasText: 'disconnected: testing reconnect' }).first().waitFor()
      await page.locator('#who li.me', { hasText: 'webby' }).waitFor({ timeout: 10_000 })
      await page.locator('#status.connected').waitFor()
      const again = started.server.room.findByNick('webby')
      expect(again?.id).not.toBe(member?.id)
    } finally {
      await page.close()
    }
  })

  it('shows a presence digest as one line, and the room\'s count in the list', async () => {
    const big = await startServer({ presenceDigestAbove: 2, presenceDigestMs: 100, joinSniffMs: 0 })
    const page = await browser.newPage()
    try {
      await page.goto(`http://127.0.0.1:${big.webPort}/`)
      await page.locator('#status.connected').waitFor()
      await tcpJoin(big.tcpPort, 'ann', clients) // a room of two: its join is a line of its own
      await page.locator('#messages li', { hasText: /joined$/ }).waitFor()
      await Promise.all([tcpJoin(big.tcpPort, 'bob', clients), tcpJoin(big.tcpPort, 'cy', clients)])
      await page.locator('#messages li.presence', { hasText: '— 4 here' }).waitFor()
      // Both joins, in one digest or (at a period's edge) two.
      const digests = await page.locator('#messages li.presence').allTextContents()
      for (const d of digests) expect(d).toMatch(/^\+[12] joined \(guest-[a-z0-9]{4}(, guest-[a-z0-9]{4})?\) — [34] here$/)
      expect(digests.reduce((n, d) => n + Number(d[1]), 0)).toBe(2)
      expect(await page.locator('#online-count').textContent()).toBe('4')
    } finally {
      await page.close()
      await big.server.close()
    }
  })

  it('never shows a line the server refused as sent (rate limit)', async () => {
    // Burst 3, no refill during the test: the page's /who on connect takes one token, 'one' and 'two' the rest.
    const strict = await startServer({ rateLimit: { burst: 3, perSecond: 0.1 } })
    const page = await browser.newPage()
    try {
      const watcher = await tcpJoin(strict.tcpPort, 'watcher', clients)
      await page.goto(`http://127.0.0.1:${strict.webPort}/`)
      await page.locator('#status.connected').waitFor()
      await watcher.waitFor(/ joined$/)
      for (const text of ['one', 'two']) {
        await page.fill('#message', text)
        await page.press('#message', 'Enter')
        await page.locator('#messages li.message.self', { hasText: text }).waitFor()
      }
      await page.fill('#message', 'three')
      await page.press('#message', 'Enter')
      await page.locator('#messages li.error', { hasText: 'slow down' }).waitFor()
      // The refusal came after anything the page could have drawn for 'three' itself.
      expect(await page.locator('#messages li.message').allTextContents()).toEqual([expect.stringMatching(/: one$/), expect.stringMatching(/: two$/)])
      await watcher.waitFor(/> two$/)
      expect(watcher.lines.filter((l) => l.startsWith('<'))).toEqual([expect.stringMatching(/> one$/), expect.stringMatching(/> two$/)])
    } finally {
      await page.close()
      await strict.server.close()
    }
  })
})
