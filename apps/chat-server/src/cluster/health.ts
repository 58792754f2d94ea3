import type { CheckResult } from '@eventwire/kit'
import type { ChatCluster } from './chat-cluster.js'

/** The Redis link state for /healthz (`ready`, `connecting` or `down`); nothing in-process. */
export function clusterHealth (cluster: ChatCluster | undefined): { redis?: string } {
  return cluster === undefined ? {} : { redis: cluster.state }
}

/**
 * Cluster mode's readiness check: ready while the Redis link is, so a load
 * balancer sends new members elsewhere while it connects or is down. Members
 * already here stay connected either way. The link's state is in the body.
 */
export function clusterReadiness (cluster: ChatCluster): CheckResult {
  const state = cluster.state
  const details = { redis: state }
  if (state === 'ready') return { ready: true, details }
  return {
    ready: false,
    code: 'ERR_REDIS_UNAVAILABLE',
    message: `the Redis link is ${state}: lines sent here are refused (NOT_DELIVERED) and lines from other instances do not arrive until it is back`,
    details
  }
}
