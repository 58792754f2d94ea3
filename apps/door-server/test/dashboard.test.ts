import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { LineClient } from '@eventwire/testkit'
import { launchChromium } from '@eventwire/testkit/browser'
import { ManualSensor } from '../src/index.js'
import { startDoor, type StartedDoor } from './helpers.js'

let browser: Browser
let page: Page | null = null
let doors: StartedDoor[] = []

beforeAll(async () => {
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
})

afterEach(async () => {
  await page?.close()
  page = null
  await Promise.all(doors.map((d) => d.door.close()))
  doors = []
})

async function door (options: Parameters<typeof startDoor>[0] = {}): Promise<StartedDoor> {
  const d = await startDoor(options)
  doors.push(d)
  return d
}

describe('web dashboard in Chromium', () => {
  it('shows the state live, counts how long the door has been open, and the sensor going offline', async () => {
    const { sensor, webPort } = await door({ offlineAfterMs: 1500 })
    sensor.set('close')
    page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${webPort}/`)
    const doorText = page.locator('#door')
    await expect.poll(() => doorText.textContent()).toBe('closed')
    expect(await page.locator('#connection').textContent()).toBe('connected')

    sensor.set('open', Date.now() - 3000)
    await expect.poll(() => doorText.textContent()).toBe('open')
    await expect.poll(() => page!.locator('#open-for').textContent()).toMatch(/^open for [3-9] s$/)
    expect(await page.locator('#sensor').textContent()).toBe('online')

    sensor.set('close')
    await expect.poll(() => doorText.textContent()).toBe('closed')
    expect(await page.locator('#open-for').textContent()).toBe('')

    await expect.poll(() => page!.locator('#sensor').textContent(), { timeout: 5000 }).toMatch(/^offline since /)
  })

  it('shows the state as last known, greyed, with its age and a stopped counter while the server is down; live again after', async () => {
    const first = await door()
    first.sensor.set('open', Date.now() - 3000)
    page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${first.webPort}/`)
    const text = (id: string): Promise<string | null> => page!.locator(id).textContent()
    const cls = (id: string): Promise<string | null> => page!.locator(id).getAttribute('class')
    // A string, evaluated in the page: this test file is compiled without the DOM types.
    const color = (id: string): Promise<string> => page!.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(id)})).color`)
    await expect.poll(() => text('#door')).toBe('open')
    await expect.poll(() => text('#open-for')).toMatch(/^open for [3-9] s$/)
    expect(await text('#sensor')).toBe('online')
    expect(await text('#last-known')).toBe('')
    const liveRed = await color('#door')

    await first.door.close()
    await expect.poll(() => text('#connection')).toBe('disconnected, retrying…')
    expect(await text('#door')).toBe('open')
    expect(await cls('#door')).toBe('open stale')
    expect(await color('#door')).toBe('rgb(153, 153, 153)')
    expect(liveRed).not.toBe('rgb(153, 153, 153)')
    expect(await text('#sensor')).toBe('unknown')
    expect(await text('#last-known')).toMatch(/^last known: open, \d+ s ago$/)
    // The age goes on, the counter does not.
    const frozen = await text('#open-for')
    expect(frozen).toMatch(/^open for \d+ s$/)
    expect(await cls('#open-for')).toBe('stale')
    await expect.poll(() => text('#last-known'), { timeout: 10_000 }).toMatch(/^last known: open, ([2-9]|\d\d+) s ago$/)
    expect(await text('#open-for')).toBe(frozen)

    // Same web port as before, so the page's own reconnect finds it.
    const restarted = await door({ webPort: first.webPort })
    restarted.sensor.set('close')
    await expect.poll(() => text('#connection'), { timeout: 10_000 }).toBe('connected')
    await expect.poll(() => text('#door')).toBe('closed')
    expect(await cls('#door')).toBe('close')
    expect(await text('#last-known')).toBe('')
    expect(await text('#sensor')).toBe('online')
    expect(await text('#open-for')).toBe('')
    expect(await page.locator('#reconnects').textContent()).toBe('1')
  })
})


describe('dashboard WebSocket from another site, in Chromium', () => {
  /** Runs in the page: opens a WebSocket to `url` and says whether it opened. */
  const OPEN_WS = `(url) => new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.onopen = () => { ws.close(); resolve('opened') }
    ws.onclose = () => resolve('refused')
  })`

  it('refuses a page of another origin, lets its own page and allowed origins in', async () => {
    const other = await door() // serves the "other site" page: another port is another origin
    page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${other.webPort}/`)
    await expect.poll(() => page!.locator('#connection').textContent()).toBe('connected') // its own origin: in
    const strict = await door()
    const allowing = await door({ allowedOrigins: [`http://127.0.0.1:${other.webPort}`] })
    const open = async (port: number): Promise<string> => await page!.evaluate(`(${OPEN_WS})('ws://127.0.0.1:${port}/ws')`)
    expect(await open(strict.webPort)).toBe('refused')
    expect(strict.logger.has('refused a WebSocket from another origin')).toBe(true)
    expect(await open(allowing.webPort)).toBe('opened')
  })
})

describe('web dashboard over HTTP', () => {
  it('serves the page, its script and GET /state as JSON', async () => {
    const { sensor, webPort } = await door()
    sensor.set('open', 1234)
    const html = await fetch(`http://127.0.0.1:${webPort}/`)
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await html.text()).toContain('<script src="/dashboard.js"></script>')
    const js = await fetch(`http://127.0.0.1:${webPort}/dashboard.js`)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    const state = await (await fetch(`http://127.0.0.1:${webPort}/state`)).json() as Record<string, unknown>
    expect(state).toMatchObject({ type: 'state', event: null, door: 'open', since: 1234, online: true, offlineSince: null })
    expect((await fetch(`http://127.0.0.1:${webPort}/sensor`, { method: 'POST' })).status).toBe(404)
  })

  it('lets a real sensor report through POST /sensor with the bearer token, and refuses anyone else', async () => {
    const sensor = new ManualSensor()
    const { webPort, port } = await door({ sensor, httpSensor: { sensor, token: 's3cret' } })
    const c = await LineClient.connect(port)
    try {
      const post = async (body: string, auth?: string): Promise<Response> => await fetch(`http://127.0.0.1:${webPort}/sensor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) },
        body
      })
      expect((await post('{"state":"open"}')).status).toBe(401)
      expect((await post('{"state":"open"}', 'Bearer wrong')).status).toBe(401)
      expect((await post('{"state":"ajar"}', 'Bearer s3cret')).status).toBe(400)
      const ok = await post('{"state":"open"}', 'Bearer s3cret')
      expect(ok.status).toBe(200)
      expect(await ok.json()).toMatchObject({ ok: true, door: 'open', online: true })
      const [name] = JSON.parse(await c.next()) as [string, number]
      expect(name).toBe('open')
      expect(c.lines).toHaveLength(1)
    } finally {
      await c.close()
    }
  })
})
