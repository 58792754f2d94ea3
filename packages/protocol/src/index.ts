export { ErrorCodes, ProtocolError, isProtocolError, assertNumberOption, type ErrorCode } from './errors.js'
export { encodeFrame, encodeEvent, decodeFrame, type Frame } from './frame.js'
export { addListeners, type Disposer, type ListenerTarget } from './listeners.js'
export { LineSplitter, DEFAULT_MAX_LINE_BYTES, type LineSplitterOptions } from './line-splitter.js'
export { LineDecoder, type LineDecoderOptions } from './line-decoder.js'
export { RemoteEmitter } from './remote-emitter.js'
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  RESERVED_EVENTS,
  ExtensionEvents,
  isReservedEvent,
  type EventMap,
  type CloseListener,
  type RemoteEmitterLifecycle,
  type RemoteEmitterOptions,
  type RequestHandler,
  type RequestOptions
} from './remote-emitter-options.js'
export { TelnetFilter, TelnetBytes, type TelnetCommand, type TelnetFilterOptions } from './telnet.js'
export { Heartbeat, type HeartbeatOptions } from './heartbeat.js'
export { Backoff, type BackoffOptions } from './backoff.js'
export { reconnect, Reconnector, type ReconnectOptions, type ReconnectEvents } from './reconnect.js'
export { consoleLogger, silentLogger, silentAppLogger, type Logger, type AppLogger } from './logger.js'
export { QuietTimer } from './quiet-timer.js'
