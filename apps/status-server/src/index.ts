export { createStatusServer, type StatusServer, type StatusServerOptions } from './server.js'
export { describeStatus, knownStatusCodes, replyFor } from './describe.js'
export { STATUS_EXPLANATIONS } from './status-explanations.js'
