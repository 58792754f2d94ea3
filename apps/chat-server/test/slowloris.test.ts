import { afterEach, describe, expect, it } from 'vitest'
import { slowClients } from '@eventwire/testkit'
import { WsClient } from './ws-client.js'
import { startServer, type Started } from './helpers.js'

let started: Started | undefined
afterEach(async () => {
  await started?.server.close()
  started = undefined
})

describe('chat web port under slowloris', () => {
  it('cuts off clients that drip their headers or send nothing, and keeps serving the page and /ws', async () => {
    started = await startServer({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 } })
    const result = await slowClients(started.webPort, { count: 10, idle: 10 })
    expect(result).toEqual({ closed: 20, served: false })
    const page = await fetch(`http://127.0.0.1:${started.webPort}/`)
    expect(page.status).toBe(200)
    const ws = await WsClient.connect(started.webPort)
    await ws.waitFor('welcome')
    ws.ws.close()
  })
})
