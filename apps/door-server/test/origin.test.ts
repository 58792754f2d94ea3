import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | null = null
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await started?.door.close()
  started = null
})

type Outcome = { opened: true, first: Record<string, unknown> } | { opened: false, status: number, body: string }

/** Opens /ws with the given Origin header (none when undefined) and reports what the server did. */
async function tryOrigin (webPort: number, origin: string | undefined): Promise<Outcome> {
  const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`, origin === undefined ? {} : { origin })
  sockets.push(ws)
  ws.on('error', () => {})
  return await new Promise<Outcome>((resolve) => {
    ws.once('message', (data) => resolve({ opened: true, first: JSON.parse(String(data)) as Record<string, unknown> }))
    ws.once('unexpected-response', (_request, response: IncomingMessage) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { body += chunk })
      response.on('end', () => resolve({ opened: false, status: response.statusCode ?? 0, body }))
    })
  })
}

describe('dashboard WebSocket origin check (issue 10 item 16)', () => {
  it('refuses another site and the opaque null origin with 403', async () => {
    started = await startDoor()
    const { webPort, door: server, logger } = started
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${webPort + 1}`, 'http://localhost.evil.example']) {
      const outcome = await tryOrigin(webPort, origin)
      expect(outcome).toMatchObject({ opened: false, status: 403 })
      if (!outcome.opened) expect(outcome.body).toMatch(/DOOR_ALLOWED_ORIGINS/)
    }
    expect(server.web.browserCount).toBe(0)
    expect(logger.has('refused a WebSocket from another origin')).toBe(true)
  })

  it('lets in clients that send no Origin (non-browser) and pages of its own origin', async () => {
    started = await startDoor()
    const { webPort, sensor } = started
    sensor.set('open', 5)
    expect(await tryOrigin(webPort, undefined)).toMatchObject({ opened: true, first: { type: 'state', door: 'open', since: 5 } })
    expect(await tryOrigin(webPort, `http://127.0.0.1:${webPort}`)).toMatchObject({ opened: true })
  })

  it('lets in the origins of allowedOrigins, and only those', async () => {
    started = await startDoor({ allowedOrigins: ['https://door.example', 'http://localhost:3000'] })
    const { webPort } = started
    expect(await tryOrigin(webPort, 'https://door.example')).toMatchObject({ opened: true })
    expect(await tryOrigin(webPort, 'http://localhost:3000')).toMatchObject({ opened: true })
    expect(await tryOrigin(webPort, 'http://localhost:3001')).toMatchObject({ opened: false, status: 403 })
    expect(await tryOrigin(webPort, 'https://door.example.evil')).toMatchObject({ opened: false, status: 403 })
  })

  it('still answers other upgrade paths with 404', async () => {
    started = await startDoor()
    const ws = new WebSocket(`ws://127.0.0.1:${started.webPort}/nope`)
    sockets.push(ws)
    ws.on('error', () => {})
    const [, response] = await once(ws, 'unexpected-response') as [unknown, IncomingMessage]
    expect(response.statusCode).toBe(404)
  })
})
