import { describe, expect, it } from 'vitest'
import { ConfigError, describeConfig, explainStartError, hostOption, logLevelOption, portVariables, readConfig, type OptionSpec } from '../src/index.js'

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

describe('bind address and log level', () => {
  const hostSpecs = { host: hostOption, logLevel: logLevelOption }
  it('refuses HOST= (empty), which would bind every interface, naming the variable and the fix', () => {
    expect(() => readConfig(hostSpecs, { env: { HOST: '' }, argv: [] })).toThrow(/^HOST is empty, which would bind every interface; set it to 127.0.0.1/)
    expect(() => readConfig(hostSpecs, { env: { HOST: 'a b' }, argv: [] })).toThrow(/HOST must be an IP address or a host name/)
    expect(readConfig(hostSpecs, { env: { HOST: '::1' }, argv: [] }).host).toBe('::1')
    expect(readConfig(hostSpecs, { env: {}, argv: [] }).host).toBe('127.0.0.1')
  })
  it('refuses an unknown LOG_LEVEL with the list of levels', () => {
    expect(() => readConfig(hostSpecs, { env: { LOG_LEVEL: 'verbose' }, argv: [] })).toThrow(/LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/)
  })
})

describe('explainStartError', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8002'), { code: 'EADDRINUSE', port: 8002, address: '127.0.0.1' })
  it('names the variable of a port in use, exit 2', () => {
    const ports = portVariables({ port: { env: 'DOOR_PORT', type: 'port', default: 8000, help: '' }, webPort: { env: 'DOOR_WEB_PORT', type: 'port', default: 8002, help: '' } } satisfies Record<string, OptionSpec>, { port: 8000, webPort: 8002 })
    expect(explainStartError('door-server', inUse, ports)).toEqual({ line: 'door-server: DOOR_WEB_PORT 8002 is in use; set DOOR_WEB_PORT to a free port', exitCode: 2 })
  })
  it('gives a bad setting its own message, exit 2, and anything else exit 1', () => {
    expect(explainStartError('x', new ConfigError('CHAT_PORT must be a whole number, got "a"'))).toEqual({ line: 'x: CHAT_PORT must be a whole number, got "a"', exitCode: 2 })
    expect(explainStartError('x', new Error('boom'))).toEqual({ line: 'x failed to start: boom', exitCode: 1 })
  })
})
