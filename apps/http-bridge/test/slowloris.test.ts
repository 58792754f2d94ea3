import { describe, expect, it } from 'vitest'
import { slowClients } from '@eventwire/testkit'
import { startBridge, startStatus } from './helpers.js'

describe('http-bridge under slowloris', () => {
  it('cuts off clients that drip their headers or send nothing, and keeps answering lookups', async () => {
    const { port: statusPort } = await startStatus()
    const { url } = await startBridge({ statusHost: '127.0.0.1', statusPort, httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 } })
    const result = await slowClients(Number(new URL(url).port), { count: 10, idle: 10, path: '/status/404' })
    expect(result).toEqual({ closed: 20, served: false })
    const response = await fetch(`${url}/status/404`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ code: 404 })
  })
})
