import { afterEach, describe, expect, it } from 'vitest'
import { LineClient } from '@eventwire/testkit'
import { readConfig } from '@eventwire/service'
import { chatConfigSpecs } from '../src/config.js'
import {
  createChatServer,
  DEFAULT_ANNOUNCE_LIMIT,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_MESSAGE_LENGTH,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_RATE_LIMIT
} from '../src/index.js'
import { startServer, tcpJoin, type Started } from './helpers.js'

let started: Started | undefined
let clients: LineClient[] = []

afterEach(async () => {
  await Promise.all(clients.map(async (c) => await c.close()))
  clients = []
  await started?.server.close()
  started = undefined
})

describe('options', () => {
  it('refuses a bad option with ERR_INVALID_OPTION, naming it', () => {
    const bad: Array<[Parameters<typeof createChatServer>[0], string]> = [
      [{ historySize: -1 }, 'historySize'],
      [{ maxMessageLength: 0 }, 'maxMessageLength'],
      [{ announceLimit: 1.5 }, 'announceLimit'],
      [{ announceLimit: Infinity }, 'announceLimit'],
      [{ rateLimit: { burst: 0, perSecond: 1 } }, 'rateLimit.burst'],
      [{ rateLimit: { burst: 1, perSecond: 0 } }, 'rateLimit.perSecond'],
      [{ maxQueueBytes: Number.NaN }, 'maxQueueBytes'],
      [{ maxLineBytes: 0 }, 'maxLineBytes'],
      [{ heartbeatIntervalMs: 0 }, 'heartbeatIntervalMs'],
      [{ closeGraceMs: -1 }, 'closeGraceMs'],
      [{ joinSniffMs: -5 }, 'joinSniffMs']
    ]
    for (const [options, name] of bad) {
      expect(() => createChatServer(options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining(`option ${name} must be`) }))
    }
  })

  it('takes its --help defaults from the factory\'s DEFAULT_* constants', () => {
    const config = readConfig(chatConfigSpecs, { env: {}, argv: [] })
    expect(config).toMatchObject({
      port: 8001,
      webPort: 8081,
      historySize: DEFAULT_HISTORY_SIZE,
      maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH,
      burst: DEFAULT_RATE_LIMIT.burst,
      perSecond: DEFAULT_RATE_LIMIT.perSecond,
      maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      announceLimit: DEFAULT_ANNOUNCE_LIMIT,
      heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS
    })
    expect(readConfig(chatConfigSpecs, { env: { CHAT_HEARTBEAT_MS: '5000' }, argv: ['--port', '9001'] })).toMatchObject({ port: 9001, heartbeatIntervalMs: 5000 })
  })

  it('announceLimit 0, the default (CHAT_ANNOUNCE_LIMIT unset or 0), announces every join and leave', async () => {
    expect(DEFAULT_ANNOUNCE_LIMIT).toBe(0)
    started = await startServer({ announceLimit: 0 })
    const alice = await tcpJoin(started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(started.tcpPort, 'bob', clients)
    expect(await alice.waitFor(/joined$/)).toMatch(/^\* guest-\w+ joined$/)
    await bob.close()
    expect(await alice.waitFor(/left/)).toBe('* bob left (connection closed)')
  })
})
