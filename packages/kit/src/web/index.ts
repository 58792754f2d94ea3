export { WebSocketEndpoint, type WebSocketEndpointOptions, type EndpointLogger } from './websocket-endpoint.js'
export { serveStaticFiles } from './static-files.js'
export { registerOpsRoutes } from './ops-routes.js'
