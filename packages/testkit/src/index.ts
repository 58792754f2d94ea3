export { waitUntil } from './wait.js'
export { LineClient } from './line-client.js'
// The browser helper is '@eventwire/testkit/browser': only the browser tests load playwright-core.
export { startChild, type ChildHandle } from './child.js'
export { buildPackage } from './build.js'
export { slowClients, type SlowClientsResult } from './slow-clients.js'
export { modulesLoadedBy } from './loaded-modules.js'
export { startRedisServer, type RedisServerHandle, type RedisServerOptions } from './redis-server.js'
export { commandAvailable } from './commands.js'
