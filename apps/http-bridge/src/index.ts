export {
  createBridge,
  CLOSE_GRACE_MARGIN_MS,
  DEFAULT_CONNECTIONS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_PIPELINE,
  DEFAULT_PROBE_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  type Bridge,
  type BridgeListenOptions,
  type BridgeOptions
} from './bridge.js'
export { FAILURES, FailureCodes, failureResponse, type FailureCode, type FailureResponse, type LookupFailure } from './failures.js'
export type { UpstreamState } from './upstream-pool.js'
export { isStatusCodeText } from './replies.js'
export type { StatusTlsOptions } from './upstream-tls.js'
