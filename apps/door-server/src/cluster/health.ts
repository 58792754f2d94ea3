import type { FastifyInstance } from 'fastify'
import type { SharedDoorBus } from '../door-hub.js'

/**
 * Cluster mode's probes on the web port. `GET /healthz` (liveness): 200 while
 * the process answers, with the Redis link's state. `GET /readyz`
 * (readiness): 200 while Redis is reachable, else 503; the TCP clients and
 * browsers of an instance whose Redis is down stay connected either way.
 */
export function clusterHealthRoutes (app: FastifyInstance, bus: SharedDoorBus): void {
  app.get('/healthz', async () => ({ status: 'ok', ...bus.health() }))
  app.get('/readyz', async (_request, reply) => {
    const health = bus.health()
    if (health.ready) return { status: 'ready', ...health }
    return await reply.code(503).send({ status: 'unavailable', code: 'ERR_REDIS_UNAVAILABLE', message: 'the Redis link is down: events published here wait, events from other instances are not delivered', ...health })
  })
}
