// Cluster mode's entry (`@eventwire/door-server/cluster`): kept apart from the package's main
// entry so that a library user of the in-process server never loads ioredis.
export { RedisDoorBus, type RedisDoorBusOptions } from './redis-door-bus.js'
export { DEFAULT_MAX_PENDING } from './outbox.js'
export { OFFLINE_RETRY_MS } from './offline-claim.js'
export { clusterHealthRoutes } from './health.js'
