import type http from 'node:http'
import { errorBody, jsonAnswer, type Health, type OpsAnswer } from './health.js'
import { createLimitedHttpServer, type HttpLimits } from './http-limits.js'
import type { ServerTls } from './tls.js'

/** Prometheus text on demand: what `@eventwire/kit/metrics`' AppMetrics is (kept structural so this file loads no prom-client). */
export interface MetricsSource {
  readonly contentType: string
  text: () => Promise<string>
}

/** What an app's operations endpoints answer from: its Health and, when it has them, its metrics. */
export interface OpsEndpoints {
  health: Health
  metrics?: MetricsSource
}

/** The routes answered, for the 404 of the plain admin server. */
export const OPS_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /metrics'] as const

/** `GET /metrics`: the scrape, or a 500 in the shared error shape if a collector threw (never an unhandled rejection). */
export async function metricsAnswer (metrics: MetricsSource): Promise<OpsAnswer> {
  try {
    const body = await metrics.text()
    return { statusCode: 200, headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' }, body }
  } catch (err) {
    return jsonAnswer(500, errorBody(500, 'ERR_METRICS_FAILED', `collecting the metrics failed: ${(err as Error).message}`))
  }
}

/**
 * The answer of the operations routes to one request, for servers without a
 * router (the status-server's admin port): the three routes, 405 for another
 * method on them, 404 with ERR_NOT_FOUND elsewhere; every error in the shared shape.
 */
export async function answerOps (method: string, url: string, ops: OpsEndpoints): Promise<OpsAnswer> {
  try {
    return await route(method, url, ops)
  } catch (err) {
    // A readiness check that threw (a bug of the app's) is a 500 for this request, never a crash.
    return jsonAnswer(500, errorBody(500, 'ERR_INTERNAL', `answering ${method} failed: ${(err as Error).message}`))
  }
}

async function route (method: string, url: string, ops: OpsEndpoints): Promise<OpsAnswer> {
  const path = url.split('?')[0] ?? ''
  const known = path === '/healthz' || path === '/readyz' || (path === '/metrics' && ops.metrics !== undefined)
  if (!known) return jsonAnswer(404, errorBody(404, 'ERR_NOT_FOUND', `no route ${method} ${path}; see "routes"`, { routes: OPS_ROUTES }))
  if (method !== 'GET' && method !== 'HEAD') {
    return jsonAnswer(405, errorBody(405, 'ERR_METHOD_NOT_ALLOWED', `${path} answers GET only`), { allow: 'GET, HEAD' })
  }
  if (path === '/healthz') return ops.health.liveness()
  if (path === '/readyz') return ops.health.readiness()
  return await metricsAnswer(ops.metrics as MetricsSource)
}

/**
 * A plain HTTP server answering only the operations routes, with the kit's
 * HTTP limits (slowloris, connection cap), HTTPS with `tls`: the admin listener
 * of an app that has no HTTP port of its own. Nothing listens until the caller listens.
 */
export function createOpsServer (ops: OpsEndpoints, limits?: HttpLimits, tls?: ServerTls): http.Server {
  return createLimitedHttpServer((request, response) => {
    // Bodies are ignored (every route is a GET); draining keeps the connection reusable.
    request.resume()
    void answerOps(request.method ?? 'GET', request.url ?? '/', ops).then((answer) => {
      response.writeHead(answer.statusCode, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) })
      response.end(request.method === 'HEAD' ? undefined : answer.body)
    })
  }, limits, tls)
}
