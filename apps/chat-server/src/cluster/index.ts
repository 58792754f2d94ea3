// Cluster mode of chat-server: `import { startChatCluster } from '@eventwire/chat-server/cluster'`,
// then createChatServer({ cluster }). Kept apart from the main entry so the factory loads no Redis client.
export { ChatCluster, startChatCluster, DEFAULT_LEASE_MS, DEFAULT_LOG_LENGTH, type ChatClusterOptions } from './chat-cluster.js'
export { RedisRoomBus, type RedisRoomBusOptions } from './redis-bus.js'
export { ClusterNicks, type MemberValue } from './cluster-nicks.js'
export { clusterFromConfig, redisUrlFrom, type ClusterSettings } from './from-config.js'
