import { afterEach, describe, expect, it } from 'vitest'
import { slowClients } from '@eventwire/testkit'
import { startDoor, type StartedDoor } from './helpers.js'

let started: StartedDoor | undefined
afterEach(async () => {
  await started?.door.close()
  started = undefined
})

describe('door dashboard under slowloris', () => {
  it('cuts off clients that drip their headers or send nothing, and keeps serving /state', async () => {
    started = await startDoor({ httpLimits: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 300 } })
    const result = await slowClients(started.webPort, { count: 10, idle: 10 })
    expect(result).toEqual({ closed: 20, served: false })
    const state = await fetch(`http://127.0.0.1:${started.webPort}/state`)
    expect(state.status).toBe(200)
    expect(await state.json()).toMatchObject({ type: 'state' })
  })
})
