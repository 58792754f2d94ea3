export { createBridge, type Bridge, type BridgeOptions } from './bridge.js'
export { FailureCodes, type FailureCode, type LookupFailure } from './failures.js'
export type { UpstreamState } from './upstream-pool.js'
export { isStatusCodeText } from './upstream-link.js'
