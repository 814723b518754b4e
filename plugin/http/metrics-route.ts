// GET <mount>/metrics: Prometheus exposition text. Mounted before the admin gate, because a
// Prometheus server is no signed-in admin: it sends `Authorization: Bearer <metricsToken>`.
// An admin of the lab (the host's authenticate + adminRole) may read it too; anyone else gets
// the gate's 401 / 403 problem+json.
import express, { type Request, type Response, type Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Authenticate } from '../options.js';
import type { LabMetrics } from '../metrics/lab-metrics.js';
import { checkAdmin } from './auth.js';
import { sendProblem } from './problem.js';
import { route } from './handle.js';
import { problemAnswer, type ApiDoc } from './openapi.js';

export interface MetricsRouteDeps {
  metrics: LabMetrics;
  /** Option `metricsToken`: a bearer token that may read /metrics (and nothing else). */
  token?: string;
  authenticate: Authenticate;
  adminRole: string;
}

/** Equal-length digests, so the comparison takes the same time whatever the token's length. */
export function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function bearerOf(req: Request): string | null {
  const header = req.get('Authorization');
  const match = header ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return match ? match[1].trim() : null;
}

export function metricsRouter(deps: MetricsRouteDeps): Router {
  const router = express.Router();
  router.get(
    '/metrics',
    route(async (req: Request, res: Response) => {
      const bearer = bearerOf(req);
      const byToken = Boolean(deps.token && bearer && sameToken(bearer, deps.token));
      if (!byToken) {
        const gate = await checkAdmin(deps.authenticate, deps.adminRole, req);
        if (!gate.ok) {
          if (gate.problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="media-lab"');
          sendProblem(res, gate.problem);
          return;
        }
      }
      const { contentType, body } = await deps.metrics.render();
      res.setHeader('Cache-Control', 'no-store');
      res.type(contentType).send(body);
    }),
  );
  return router;
}

/** The OpenAPI part of this route (collected in api-docs.ts). */
export const metricsRouteDoc: ApiDoc = {
  tag: { name: 'metrics', description: 'Prometheus metrics: queue, lanes, ComfyUI backends, failure streaks.' },
  paths: {
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus exposition text',
        description: 'Readable by an admin, or by whoever sends the `metricsToken` option as a bearer token.',
        security: [{ bearer: [] }, { metricsToken: [] }],
        responses: {
          200: { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
          401: problemAnswer('Neither the metrics token nor a signed-in user (UNAUTHENTICATED)', { 'WWW-Authenticate': { schema: { type: 'string' } } }),
          403: problemAnswer('A user who is not an admin (FORBIDDEN)'),
        },
      },
    },
  },
};
