import { hostOption, tlsOptions, type OptionSpec } from '@eventwire/service'
import {
  DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_QUIET_REPLY_MS
} from './server.js'

/** Every setting of the status-server: environment variable, matching --flag, default (the factory's own). */
export const statusConfigSpecs = {
  host: hostOption,
  port: { env: 'STATUS_PORT', flag: 'port', type: 'port', default: 9670, help: 'TCP port (0 picks a free one)' },
  // On by default: an operator (or a load balancer's health check) needs it without knowing to ask.
  adminPort: { env: 'STATUS_ADMIN_PORT', flag: 'admin-port', type: 'port', default: 9671, help: 'HTTP admin port, always on: GET /healthz, GET /readyz, GET /metrics (Prometheus) (0 picks a free one)' },
  maxLineBytes: { env: 'STATUS_MAX_LINE_BYTES', flag: 'max-line-bytes', type: 'int', default: DEFAULT_MAX_LINE_BYTES, min: 8, help: 'longest request line in bytes' },
  maxConnections: { env: 'STATUS_MAX_CONNECTIONS', flag: 'max-connections', type: 'int', default: DEFAULT_MAX_CONNECTIONS, min: 1, help: 'connections served at once' },
  maxConnectionsPerAddress: { env: 'STATUS_MAX_CONNECTIONS_PER_ADDRESS', flag: 'max-connections-per-address', type: 'int', default: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, min: 1, help: 'connections served at once from one client address' },
  idleTimeoutMs: { env: 'STATUS_IDLE_TIMEOUT_MS', flag: 'idle-timeout-ms', type: 'int', default: DEFAULT_IDLE_TIMEOUT_MS, min: 0, help: 'close connections silent this long (0: never)' },
  firstRequestTimeoutMs: { env: 'STATUS_FIRST_REQUEST_TIMEOUT_MS', flag: 'first-request-timeout-ms', type: 'int', default: DEFAULT_FIRST_REQUEST_TIMEOUT_MS, min: 0, help: 'close a connection with no complete request this long after connecting (0: never)' },
  quietReplyMs: { env: 'STATUS_QUIET_REPLY_MS', flag: 'quiet-reply-ms', type: 'int', default: DEFAULT_QUIET_REPLY_MS, min: 0, help: 'answer an unterminated 3-digit request after this much quiet (0: only at the line end)' },
  // TLS_CERT_FILE and TLS_KEY_FILE: the TCP port speaks TLS, the admin port HTTPS.
  ...tlsOptions
} satisfies Record<string, OptionSpec>
