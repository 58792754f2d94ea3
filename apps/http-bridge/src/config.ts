import { hostOption, type OptionSpec } from '@eventwire/service'
import { DEFAULT_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_PIPELINE, DEFAULT_PROBE_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from './bridge.js'

/** Every setting of the http-bridge: environment variable, matching --flag, default (the factory's own). */
export const bridgeConfigSpecs = {
  host: hostOption,
  port: { env: 'BRIDGE_PORT', flag: 'port', type: 'port', default: 8090, help: 'HTTP port (0 picks a free one)' },
  statusHost: { env: 'STATUS_HOST', flag: 'status-host', type: 'string', default: '127.0.0.1', help: 'status-server host' },
  statusPort: { env: 'STATUS_PORT', flag: 'status-port', type: 'port', default: 9670, help: 'status-server port' },
  timeoutMs: { env: 'BRIDGE_TIMEOUT_MS', flag: 'timeout-ms', type: 'int', default: DEFAULT_TIMEOUT_MS, min: 1, help: 'no reply within this long: 504' },
  maxInFlight: { env: 'BRIDGE_MAX_IN_FLIGHT', flag: 'max-in-flight', type: 'int', default: DEFAULT_MAX_IN_FLIGHT, min: 1, help: 'lookups waiting for status-server; past it: 503' },
  connections: { env: 'BRIDGE_UPSTREAM_CONNECTIONS', flag: 'connections', type: 'int', default: DEFAULT_CONNECTIONS, min: 1, max: 64, help: 'persistent connections to status-server' },
  pipeline: { env: 'BRIDGE_PIPELINE', flag: 'pipeline', type: 'int', default: DEFAULT_PIPELINE, min: 0, help: 'requests in flight per connection (0: no limit, pipelined; 1: for servers that answer once per read)' },
  probeIntervalMs: { env: 'BRIDGE_PROBE_INTERVAL_MS', flag: 'probe-interval-ms', type: 'int', default: DEFAULT_PROBE_INTERVAL_MS, min: 1, help: 'probe an idle connection this often (keep it below the server\'s first-request and idle timeouts)' },
  logRequests: { env: 'BRIDGE_LOG_REQUESTS', flag: 'log-requests', type: 'enum', default: 'false', values: ['true', 'false'], help: 'log every request' }
} satisfies Record<string, OptionSpec>
