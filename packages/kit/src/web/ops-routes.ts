import type { FastifyInstance } from 'fastify'
import { answerOps, type OpsEndpoints } from '../ops-server.js'

/**
 * The operations routes on a fastify app: `GET /healthz`, `GET /readyz` and,
 * with `ops.metrics`, `GET /metrics`, answered exactly as the kit's plain
 * admin server answers them (one implementation: answerOps).
 */
export function registerOpsRoutes (app: FastifyInstance, ops: OpsEndpoints): void {
  const paths = ops.metrics === undefined ? ['/healthz', '/readyz'] : ['/healthz', '/readyz', '/metrics']
  for (const path of paths) {
    app.get(path, (_request, reply) => {
      // answerOps never rejects: a failing collector or check is a 500 in the shared error shape.
      void answerOps('GET', path, ops).then((answer) => reply.code(answer.statusCode).headers(answer.headers).send(answer.body))
    })
  }
}
