export { createDoorServer, type DoorServer, type DoorListenOptions } from './door-server.js'
export {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_LINE_BYTES,
  DEFAULT_MAX_QUEUE_BYTES,
  DEFAULT_OFFLINE_AFTER_MS,
  DEFAULT_QUEUE_GRACE_MS,
  DEFAULT_TCP_KEEP_ALIVE_MS,
  QUEUE_HARD_CAP_FACTOR,
  type DoorServerOptions
} from './door-options.js'
export { InProcessDoorBus, applyDoorEvent, initialDoorEvents, type DoorBus, type DoorEventListener } from './door-bus.js'
export { DoorHub, isSharedDoorBus, type DoorHubOptions, type SharedDoorBus, type OfflineVerdict } from './door-hub.js'
export { TcpBroadcast, type TcpBroadcastOptions } from './tcp-broadcast.js'
export { AuthGate, type AuthGateOptions } from './tcp-auth.js'
export { AUTH_EVENT, REFUSED_EVENT, RefusalCodes, parseRefusal, refusalFrame, type Refusal, type RefusalCode } from './refusal.js'
export { WebDashboard, WS_UNAUTHORIZED, type WebDashboardOptions, type DashboardMessage } from './web-dashboard.js'
export { BaseSensor, type DoorSensor, type SensorEvents } from './sensors/sensor.js'
export { ManualSensor } from './sensors/manual.js'
export { SimulatedSensor, type SimulatedSensorOptions } from './sensors/simulated.js'
export { StreamSensor, type StreamSensorOptions } from './sensors/stream.js'
export { DoorWatch, type DoorWatchOptions } from './client/door-watch.js'
export { runDoorClient, type DoorClientOptions, type DoorClient } from './client/run-door-client.js'
export { isDoorState, type DoorState, type DoorEventName, type DoorEvent, type DoorSnapshot } from './types.js'
