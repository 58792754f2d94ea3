import net from 'node:net'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { setImmediate as tick } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { LineClient, waitUntil } from '@eventwire/testkit'
import { startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | null = null
const sockets: net.Socket[] = []
const browsers: WebSocket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const b of browsers.splice(0)) b.terminate()
  await started?.door.close()
  started = null
})

/** A browser stand-in whose socket stops reading: it never answers the 1001 close handshake. */
async function deafBrowser (webPort: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`)
  browsers.push(ws)
  ws.on('error', () => {})
  await once(ws, 'message')
  ;(ws as unknown as { _socket: net.Socket })._socket.pause()
  return ws
}

/** The HTTP status a WebSocket upgrade to /ws gets, or 101 when it opens. */
async function upgradeStatus (webPort: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${webPort}/ws`)
  browsers.push(ws)
  ws.on('error', () => {})
  return await new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101))
    ws.once('unexpected-response', (_request, response: IncomingMessage) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
  })
}

describe('door-server close(): end → closeGraceMs → destroy (the kit ConnectionSet)', () => {
  it('destroys a TCP client that cannot take its queued bytes once closeGraceMs is over, and resolves', async () => {
    started = await startDoor({ closeGraceMs: 200, queueGraceMs: 60_000 })
    const { door, sensor, port } = started
    const stuck = net.connect(port, '127.0.0.1')
    sockets.push(stuck)
    stuck.on('error', () => {})
    await once(stuck, 'connect')
    stuck.pause()
    const reader = await LineClient.connect(port)
    await waitUntil(() => door.tcp.clientCount === 2, 'two clients')
    // Enough for the kernel buffers to fill and our queue to hold the rest: a FIN cannot get through.
    for (let sent = 0; door.tcp.largestQueueBytes < 32 * 1024; sent++) {
      sensor.set(sent % 2 === 0 ? 'open' : 'close', sent)
      if (sent % 100 === 0) await tick()
    }
    const stuckClosed = once(stuck, 'close')
    // Without the destroy after closeGraceMs this never resolves: the stuck socket's end cannot flush.
    await door.close()
    expect(door.tcp.clientCount).toBe(0)
    await reader.closed // the client that reads got a clean end
    stuck.resume() // reads what the kernel still holds, then the end of the destroyed connection
    await stuckClosed
  })

  it('answers 503 to new WebSockets while closing, and terminates a browser that never completes the close handshake', async () => {
    started = await startDoor({ closeGraceMs: 1000 })
    const { door, webPort } = started
    const deaf = await deafBrowser(webPort)
    const deafClosed = once(deaf, 'close')
    const closing = door.close()
    // The grace period is running (the deaf browser holds it open): the web port still answers, with 503.
    expect(await upgradeStatus(webPort)).toBe(503)
    expect((await fetch(`http://127.0.0.1:${webPort}/state`)).status).toBe(200)
    await closing
    ;(deaf as unknown as { _socket: net.Socket })._socket.resume()
    await deafClosed
    expect(door.web.browserCount).toBe(0)
  })

  it('lets two callers await close() and both resolve', async () => {
    started = await startDoor({ closeGraceMs: 300 })
    const { door, webPort } = started
    await deafBrowser(webPort)
    const results = await Promise.all([door.close(), door.tcp.close(), door.web.close()])
    expect(results).toEqual([undefined, undefined, undefined])
  })
})

describe('door dashboard static files (the kit serveStaticFiles)', () => {
  it('answers /favicon.ico, and serves the page with nosniff and no-cache', async () => {
    started = await startDoor()
    const icon = await fetch(`http://127.0.0.1:${started.webPort}/favicon.ico`)
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    const page = await fetch(`http://127.0.0.1:${started.webPort}/`)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('cache-control')).toBe('no-cache')
  })
})
