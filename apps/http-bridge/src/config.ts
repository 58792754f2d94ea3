import { ConfigError, hostOption, readPem, tlsOptions, type OptionSpec } from '@eventwire/service'
import type { StatusTlsOptions } from './upstream-tls.js'
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
  logRequests: { env: 'BRIDGE_LOG_REQUESTS', flag: 'log-requests', type: 'enum', default: 'false', values: ['true', 'false'], help: 'log every request' },
  statusTls: { env: 'STATUS_TLS', flag: 'status-tls', type: 'enum', default: 'false', values: ['true', 'false'], help: 'reach status-server over TLS, verifying its certificate (for STATUS_HOST) against Node\'s CAs or STATUS_TLS_CA_FILE' },
  statusTlsCaFile: { env: 'STATUS_TLS_CA_FILE', flag: 'status-tls-ca-file', type: 'optional-string', help: 'PEM CA certificate(s) to trust for status-server\'s certificate (needs STATUS_TLS=true)' },
  // TLS_CERT_FILE and TLS_KEY_FILE: the HTTP port speaks HTTPS.
  ...tlsOptions
} satisfies Record<string, OptionSpec>

/** The bridge's statusTls option from STATUS_TLS and STATUS_TLS_CA_FILE; a CA without STATUS_TLS is a mistake, said at start. */
export function readStatusTls ({ statusTls, statusTlsCaFile }: { statusTls: string, statusTlsCaFile: string | undefined }): StatusTlsOptions | false {
  if (statusTls !== 'true') {
    if (statusTlsCaFile !== undefined) throw new ConfigError('STATUS_TLS_CA_FILE is set but STATUS_TLS is not true; set STATUS_TLS=true to reach status-server over TLS, or unset STATUS_TLS_CA_FILE')
    return false
  }
  return statusTlsCaFile === undefined ? {} : { ca: readPem('STATUS_TLS_CA_FILE', statusTlsCaFile, 'a PEM CA certificate') }
}
