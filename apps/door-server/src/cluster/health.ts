import type { FastifyInstance } from 'fastify'
import { Health, type CheckResult } from '@eventwire/kit'
import { registerOpsRoutes } from '@eventwire/kit/web'
import type { SharedDoorBus } from '../door-hub.js'

/**
 * Cluster mode's readiness check: ready while Redis is reachable; the TCP
 * clients and browsers of an instance whose Redis is down stay connected
 * either way. The bus's link state is in the body of /healthz and /readyz alike.
 */
export function clusterReadiness (bus: SharedDoorBus): CheckResult {
  const health = bus.health()
  if (health.ready) return { ready: true, details: health }
  return { ready: false, code: 'ERR_REDIS_UNAVAILABLE', message: 'the Redis link is down: events published here wait, events from other instances are not delivered', details: health }
}

/**
 * Cluster mode's probes on a web app of your own: `GET /healthz` (200 while
 * the process answers, with the Redis link's state) and `GET /readyz` (200
 * while Redis is reachable, else 503). createDoorServer answers them itself,
 * in every mode; this is for a custom server around a RedisDoorBus.
 */
export function clusterHealthRoutes (app: FastifyInstance, bus: SharedDoorBus): Health {
  const health = new Health({ liveness: () => bus.health(), checks: [() => clusterReadiness(bus)] })
  health.markListening()
  registerOpsRoutes(app, { health })
  return health
}
