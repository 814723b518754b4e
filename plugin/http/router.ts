// The one Express router a host mounts (default at /api/media-lab): the web-component bundle,
// then the admin gate, then one router per resource.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { JobService } from '../jobs/service.js';
import type { LocalStorage } from '../artifacts/storage.js';
import type { MediaLabOptions } from '../options.js';
import type { KindRegistry } from '../kinds/registry.js';
import { adminGate } from './auth.js';
import { problemHandler } from './handle.js';
import { sendProblem } from './problem.js';
import type { HealthDeps } from './health.js';
import { createJobRoutes } from './job-routes.js';
import { createArtifactRoutes } from './artifact-routes.js';
import { createUploadRoutes } from './upload-routes.js';
import { createMetaRoutes } from './meta-routes.js';
import { metricsRouter } from './metrics-route.js';
import type { LabMetrics } from '../metrics/lab-metrics.js';

export interface RouterDeps {
  knex: Knex;
  storage: LocalStorage;
  options: MediaLabOptions;
  jobs: JobService;
  kinds: KindRegistry;
  health: HealthDeps;
  /** Extra routers mounted behind the admin gate (presets, ...). */
  extraRoutes?: Router[];
  /** The web-component bundle, served at /ui/media-lab.js without the admin gate. */
  uiDir?: string;
  /** GET /metrics, before the admin gate: an admin or the `metricsToken` bearer may read it. */
  metrics?: LabMetrics;
}

export function createRouter(deps: RouterDeps): Router {
  const { knex, storage, options, jobs } = deps;
  const mount = options.mountPath;
  const router = express.Router();
  if (deps.uiDir) {
    router.use('/ui', express.static(deps.uiDir, { fallthrough: false, maxAge: '5m' }));
  }
  if (deps.metrics) router.use(metricsRouter({ metrics: deps.metrics, token: options.metricsToken, authenticate: options.authenticate, adminRole: options.adminRole }));
  router.use(adminGate(options.authenticate, options.adminRole));
  router.use(express.json({ limit: '2mb' }));
  // Body-parser errors (malformed JSON, too large) become problem+json too.
  // So do errors of the routes before it that carry a status (a missing /ui file: 404).
  router.use(problemHandler({ jsonBodyLimit: '2 MB' }));

  router.use(createUploadRoutes({ knex, storage, limits: options.uploads, mount }));
  router.use(createJobRoutes({ knex, jobs, mount }));
  router.use(createArtifactRoutes({ knex, storage, mount }));
  router.use(createMetaRoutes({ kinds: deps.kinds, health: deps.health, mount }));
  for (const extra of deps.extraRoutes ?? []) router.use(extra);

  router.use((req, res) => sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: `No Media Lab route ${req.method} ${req.path}.` }));
  // Whatever a route outside route() passed on.
  router.use(problemHandler());
  return router;
}
