export {
  createBridge,
  DEFAULT_CONNECTIONS,
  DEFAULT_KEEP_ALIVE_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_PIPELINE,
  DEFAULT_TIMEOUT_MS,
  type Bridge,
  type BridgeOptions
} from './bridge.js'
export { FailureCodes, type FailureCode, type LookupFailure } from './failures.js'
export type { UpstreamState } from './upstream-pool.js'
export { isStatusCodeText } from './replies.js'
