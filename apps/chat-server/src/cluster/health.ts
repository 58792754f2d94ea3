import type { WebTransport } from '../web/web-transport.js'
import type { ChatCluster } from './chat-cluster.js'

/** The Redis link state for /healthz (`ready`, `connecting` or `down`); nothing in-process. */
export function clusterHealth (cluster: ChatCluster | undefined): { redis?: string } {
  return cluster === undefined ? {} : { redis: cluster.state }
}

/**
 * GET /readyz: 200 while the server takes members and, in cluster mode, its
 * Redis link is ready; 503 otherwise (closing, or Redis connecting/down), so a
 * load balancer sends new members elsewhere. Members already here stay
 * connected either way.
 */
export function registerReadyz (web: WebTransport, cluster: ChatCluster | undefined): void {
  web.app.get('/readyz', async (_request, reply) => {
    const redis = clusterHealth(cluster)
    if (!web.endpoint.accepting) return await reply.code(503).send({ status: 'closing', ...redis })
    if (cluster !== undefined && cluster.state !== 'ready') return await reply.code(503).send({ status: 'redis unavailable', ...redis })
    return { status: 'ready', ...redis }
  })
}
