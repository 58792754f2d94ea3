import { describe, expect, it } from 'vitest'
import { ConfigError, describeConfig, readConfig, type OptionSpec } from '../src/index.js'

const specs = {
  host: { env: 'HOST', flag: 'host', type: 'string', default: '127.0.0.1', help: 'bind address' },
  port: { env: 'STATUS_PORT', flag: 'port', type: 'port', default: 9670, help: 'TCP port' },
  timeoutMs: { env: 'BRIDGE_TIMEOUT_MS', flag: 'timeout-ms', type: 'int', default: 2000, min: 1, help: 'reply timeout' },
  sensor: { env: 'DOOR_SENSOR', flag: 'sensor', type: 'enum', default: 'simulated', values: ['simulated', 'stdin'], help: 'sensor source' },
  redis: { env: 'REDIS_URL', type: 'optional-string', help: 'cluster bus' }
} satisfies Record<string, OptionSpec>

describe('readConfig', () => {
  it('uses defaults when nothing is set', () => {
    expect(readConfig(specs, { env: {}, argv: [] })).toEqual({ host: '127.0.0.1', port: 9670, timeoutMs: 2000, sensor: 'simulated', redis: undefined })
  })

  it('reads env vars, and flags win over them (both --x v and --x=v)', () => {
    const config = readConfig(specs, { env: { STATUS_PORT: '9000', HOST: '::1', REDIS_URL: 'redis://x' }, argv: ['--port', '9001', '--timeout-ms=50'] })
    expect(config).toEqual({ host: '::1', port: 9001, timeoutMs: 50, sensor: 'simulated', redis: 'redis://x' })
  })

  it('names the variable in a clear error for a bad value', () => {
    expect(() => readConfig(specs, { env: { STATUS_PORT: 'abc' }, argv: [] })).toThrow(/STATUS_PORT must be a whole number, got "abc"/)
    expect(() => readConfig(specs, { env: { STATUS_PORT: '70000' }, argv: [] })).toThrow(/STATUS_PORT must be between 0 and 65535/)
    expect(() => readConfig(specs, { env: {}, argv: ['--timeout-ms', '0'] })).toThrow(/--timeout-ms must be between 1/)
    expect(() => readConfig(specs, { env: { DOOR_SENSOR: 'gpio' }, argv: [] })).toThrow(/DOOR_SENSOR must be one of simulated, stdin/)
  })

  it('refuses unknown flags and flags without a value', () => {
    expect(() => readConfig(specs, { env: {}, argv: ['--prot', '1'] })).toThrow(ConfigError)
    expect(() => readConfig(specs, { env: {}, argv: ['--port'] })).toThrow(/--port needs a value/)
    expect(() => readConfig(specs, { env: {}, argv: ['9670'] })).toThrow(/unexpected argument/)
  })

  it('describes every option for --help', () => {
    expect(describeConfig(specs)).toContain('STATUS_PORT / --port: TCP port (default 9670)')
  })
})
