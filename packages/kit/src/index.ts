export { guard } from './guard.js'
export { fastifyHttpLimits, createLimitedHttpServer, resolveHttpLimits, DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js'
export { createOriginCheck, parseOriginList } from './origin.js'
export { rejectUpgrade } from './upgrade.js'
