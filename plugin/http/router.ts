// The one Express router a host mounts (default at /api/media-lab): the web-component bundle,
// the OpenAPI document and its reference page, then the admin gate, then one router per
// resource. Each resource's OpenAPI part is listed in api-docs.ts.
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
import { createLineageRoutes } from './lineage-routes.js';
import { Staleness, type ChainStalenessRule } from '../lineage/staleness.js';
import { Reruns } from '../lineage/rerun.js';
import { createUploadRoutes } from './upload-routes.js';
import { createMetaRoutes } from './meta-routes.js';
import { createInterpolateOptionsRoute } from './interpolate-options-route.js';
import { metricsRouter } from './metrics-route.js';
import type { LabMetrics } from '../metrics/lab-metrics.js';
import type { PresetRegistry } from '../pipelines/comfy/preset-registry.js';
import { createPresetRoutes, type PresetRouteDeps } from './preset-routes.js';
import { createDocsRoutes } from './docs-routes.js';
import { API_DOCS } from './api-docs.js';
import type { ApiDoc } from './openapi.js';

export interface RouterDeps {
  knex: Knex;
  storage: LocalStorage;
  options: MediaLabOptions;
  jobs: JobService;
  kinds: KindRegistry;
  health: HealthDeps;
  /** The chain jobs' staleness rule (the chain preset registry's): CHAIN_SUPERSEDED. */
  chainStaleness?: ChainStalenessRule;
  /** The ComfyUI preset registry: /presets, and per-preset parameter schemas in the OpenAPI document. */
  presets?: { registry: PresetRegistry; corsOrigins?: string[]; catalog?: PresetRouteDeps['catalog'] };
  /** Extra routers mounted behind the admin gate. */
  extraRoutes?: Router[];
  /** OpenAPI parts added at run time (routes mounted elsewhere: the prompt queue). */
  apiDocs?: () => ApiDoc[];
  /** The web-component bundle, served at /ui/media-lab.js without the admin gate. */
  uiDir?: string;
  /** GET /metrics, before the admin gate: an admin or the `metricsToken` bearer may read it. */
  metrics?: LabMetrics;
}

export function createRouter(deps: RouterDeps): Router {
  const { knex, storage, options, jobs } = deps;
  const mount = options.mountPath;
  const router = express.Router();
  router.use(
    '/ui',
    deps.uiDir
      ? express.static(deps.uiDir, { fallthrough: false, maxAge: '5m' })
      : (_req, res) => sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'The web-component bundle is not built: run `npm run build`.' }),
  );
  if (deps.metrics) router.use(metricsRouter({ metrics: deps.metrics, token: options.metricsToken, authenticate: options.authenticate, adminRole: options.adminRole }));
  router.use(createDocsRoutes({ context: { mount, kinds: deps.kinds, presets: deps.presets?.registry }, docs: () => [...API_DOCS, ...(deps.apiDocs?.() ?? [])] }));
  router.use(adminGate(options.authenticate, options.adminRole));
  router.use(express.json({ limit: '2mb' }));
  // Body-parser errors (malformed JSON, too large) become problem+json too.
  // So do errors of the routes before it that carry a status (a missing /ui file: 404).
  router.use(problemHandler({ jsonBodyLimit: '2 MB' }));

  const staleness = new Staleness(knex, deps.kinds, deps.chainStaleness ?? null);
  router.use(createUploadRoutes({ knex, storage, limits: options.uploads, mount }));
  router.use(createJobRoutes({ knex, jobs, mount, staleness }));
  router.use(createArtifactRoutes({ knex, storage, mount, staleness }));
  router.use(createInterpolateOptionsRoute({ knex, kinds: deps.kinds }));
  router.use(createLineageRoutes({ knex, staleness, reruns: new Reruns(knex, jobs, staleness), mount }));
  router.use(createMetaRoutes({ kinds: deps.kinds, health: deps.health }));
  if (deps.presets) router.use(createPresetRoutes(deps.presets.registry, { corsOrigins: deps.presets.corsOrigins, catalog: deps.presets.catalog }));
  for (const extra of deps.extraRoutes ?? []) router.use(extra);

  router.use((req, res) => sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: `No Media Lab route ${req.method} ${req.path}.` }));
  // Whatever a route outside route() passed on.
  router.use(problemHandler());
  return router;
}
