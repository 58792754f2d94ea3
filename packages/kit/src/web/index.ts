export { WebSocketEndpoint, type WebSocketEndpointOptions, type EndpointLogger, type UpgradeRefusal } from './websocket-endpoint.js'
export { serveStaticFiles } from './static-files.js'
export { registerOpsRoutes } from './ops-routes.js'
