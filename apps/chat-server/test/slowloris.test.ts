import { describe, expect, it } from 'vitest'
import { slowClients } from '@eventwire/testkit'
import { WsClient } from './ws-client.js'
import { openedInTest, startServer } from './helpers.js'

const opened = openedInTest()

describe('chat web port under slowloris', () => {
  it('cuts off clients that drip their headers or send nothing, and keeps serving the page and /ws', async () => {
    opened.started = await startServer({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 } })
    const result = await slowClients(opened.started.webPort, { count: 10, idle: 10 })
    expect(result).toEqual({ closed: 20, served: false })
    const page = await fetch(`http://127.0.0.1:${opened.started.webPort}/`)
    expect(page.status).toBe(200)
    const ws = await WsClient.connect(opened.started.webPort)
    await ws.waitFor('welcome')
    ws.ws.close()
  })
})
