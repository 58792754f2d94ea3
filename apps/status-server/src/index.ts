export {
  createStatusServer,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_FIRST_REQUEST_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_QUIET_REPLY_MS,
  type StatusListenOptions,
  type StatusServer,
  type StatusServerOptions
} from './server.js'
export { describeStatus, knownStatusCodes, replyFor } from './describe.js'
export { STATUS_EXPLANATIONS } from './status-explanations.js'
