import { describe, expect, it } from 'vitest'
import { readConfig } from '@eventwire/service'
import { chatConfigSpecs, presenceDigestAboveFrom } from '../src/config.js'
import {
  createChatServer,
  DEFAULT_ANNOUNCE_LIMIT,
  DEFAULT_PRESENCE_DIGEST_ABOVE,
  DEFAULT_PRESENCE_DIGEST_MS,
  DEFAULT_WHO_PAGE_SIZE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_MESSAGE_LENGTH,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_RATE_LIMIT
} from '../src/index.js'
import { openedInTest, startServer, tcpJoin } from './helpers.js'

const opened = openedInTest()
const { clients } = opened

describe('options', () => {
  it('refuses a bad option with ERR_INVALID_OPTION, naming it', () => {
    const bad: Array<[Parameters<typeof createChatServer>[0], string]> = [
      [{ historySize: -1 }, 'historySize'],
      [{ maxMessageLength: 0 }, 'maxMessageLength'],
      [{ announceLimit: 1.5 }, 'announceLimit'],
      [{ announceLimit: Infinity }, 'announceLimit'],
      [{ presenceDigestAbove: -1 }, 'presenceDigestAbove'],
      [{ presenceDigestMs: 0 }, 'presenceDigestMs'],
      [{ presenceDigestMs: 1e10 }, 'presenceDigestMs'],
      [{ whoPageSize: 0 }, 'whoPageSize'],
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
      presenceDigestAbove: DEFAULT_PRESENCE_DIGEST_ABOVE,
      announceLimit: undefined,
      presenceDigestMs: DEFAULT_PRESENCE_DIGEST_MS,
      whoPageSize: DEFAULT_WHO_PAGE_SIZE,
      heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS
    })
    expect(readConfig(chatConfigSpecs, { env: { CHAT_HEARTBEAT_MS: '5000' }, argv: ['--port', '9001'] })).toMatchObject({ port: 9001, heartbeatIntervalMs: 5000 })
  })

  it('reads the presence threshold from CHAT_PRESENCE_DIGEST_ABOVE, or from CHAT_ANNOUNCE_LIMIT, its old name; two different numbers stop the start', () => {
    const threshold = (env: Record<string, string>): number => presenceDigestAboveFrom(readConfig(chatConfigSpecs, { env, argv: [] }))
    expect(DEFAULT_PRESENCE_DIGEST_ABOVE).toBe(200)
    expect(DEFAULT_ANNOUNCE_LIMIT).toBe(DEFAULT_PRESENCE_DIGEST_ABOVE)
    expect(threshold({})).toBe(200)
    expect(threshold({ CHAT_PRESENCE_DIGEST_ABOVE: '50' })).toBe(50)
    expect(threshold({ CHAT_ANNOUNCE_LIMIT: '0' })).toBe(0)
    expect(threshold({ CHAT_ANNOUNCE_LIMIT: '500', CHAT_PRESENCE_DIGEST_ABOVE: '500' })).toBe(500)
    expect(() => threshold({ CHAT_ANNOUNCE_LIMIT: '500', CHAT_PRESENCE_DIGEST_ABOVE: '50' })).toThrow(/set only CHAT_PRESENCE_DIGEST_ABOVE/)
    expect(() => threshold({ CHAT_ANNOUNCE_LIMIT: 'lots' })).toThrow(/CHAT_ANNOUNCE_LIMIT must be a whole number/)
  })

  it('presenceDigestAbove 0 (as CHAT_ANNOUNCE_LIMIT=0 always meant) announces every join and leave one by one', async () => {
    opened.started = await startServer({ presenceDigestAbove: 0 })
    const alice = await tcpJoin(opened.started.tcpPort, 'alice', clients)
    const bob = await tcpJoin(opened.started.tcpPort, 'bob', clients)
    expect(await alice.waitFor(/joined$/)).toMatch(/^\* guest-\w+ joined$/)
    await bob.close()
    expect(await alice.waitFor(/left/)).toBe('* bob left (connection closed)')
  })
})
