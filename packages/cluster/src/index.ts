export { ClusterError, type ClusterErrorCode } from './errors.js'
export { RedisLink, connectRedis, redactUrl, type ConnectOptions, type LinkState, DEFAULT_PREFIX, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_HEARTBEAT_MS } from './connection.js'
export { StreamLog, type StreamLogOptions, type LogEntry, type LogPosition, type AppendResult, type Snapshot, type Since, DEFAULT_MAX_LEN, DEFAULT_DEDUPE_TTL_MS, DEFAULT_MAX_ENTRY_BYTES } from './stream-log.js'
export { TailReader, type TailHandler, type TailOptions, type Gap, type Reset, DEFAULT_BLOCK_MS } from './tail-reader.js'
