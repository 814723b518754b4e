// Lineage across jobs: an artifact's provenance graph, and making it again (refresh a stale one
// with the current preset and model; reproduce one as recorded). Each rerun is a new job through
// the submit path of POST /jobs, answered like it (202, Location, SubmitJobResponse).
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { SubmitJobResponse } from '../../contract/job.js';
import { provenanceSchema } from '../../contract/lineage.js';
import { provenanceOf } from '../lineage/provenance.js';
import type { Reruns } from '../lineage/rerun.js';
import type { Staleness } from '../lineage/staleness.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { visibleArtifact } from './visible-artifact.js';
import { jobView, provenanceView } from './views.js';
import type { ApiDoc } from './openapi.js';

export interface LineageRouteDeps {
  knex: Knex;
  staleness: Staleness;
  reruns: Reruns;
  mount: string;
}

export function createLineageRoutes({ knex, staleness, reruns, mount }: LineageRouteDeps): Router {
  const router = express.Router();

  router.get(
    '/artifacts/:id/provenance',
    route(async (req, res) => {
      const artifact = await visibleArtifact(knex, String(req.params.id));
      res.json(provenanceView(mount, await provenanceOf(knex, staleness, artifact)));
    }),
  );

  for (const kind of ['refresh', 'reproduce'] as const) {
    router.post(
      `/artifacts/:id/${kind}`,
      route(async (req, res) => {
        const artifact = await visibleArtifact(knex, String(req.params.id));
        const { job } = await reruns[kind](userOf(req), artifact);
        const body: SubmitJobResponse = { id: job.id, status: job.status, job: jobView(job) };
        res.status(202).location(`${mount}/jobs/${job.id}`).json(body);
      }),
    );
  }

  return router;
}

// OpenAPI 3.1 path items of these routes, for the API document (plain JSON; schemas by $ref to
// the components the document builds from contract/: Provenance is provenanceSchema).
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const idParam = { name: 'id', in: 'path', required: true, description: 'Artifact id', schema: { type: 'string' } };
const auth = { 401: problem('No signed-in user (UNAUTHENTICATED)'), 403: problem('The user is not an admin (FORBIDDEN)') };
const queued = { description: 'Queued: the new job (Location: its URL)', content: { 'application/json': { schema: { $ref: '#/components/schemas/SubmitJobResponse' } } } };

/**
 * The zod schema behind `#/components/schemas/Provenance`: add it to the document's response
 * registry (openapi.ts RESPONSES), which shares the recursive JsonValue by $ref
 * (lineageRoutesDoc below; test/core/openapi.test.ts validates the document).
 */
export const lineageSchemas = { Provenance: provenanceSchema };

export const lineagePaths: Record<string, Record<string, unknown>> = {
  '/artifacts/{id}/provenance': {
    get: {
      operationId: 'getArtifactProvenance',
      summary: "The artifact's provenance graph back to the uploads: each step's job, actor, workflow, preset version and hash, models, seed, params, input sha256s, backend, timings, reused or ran, stale or fresh",
      parameters: [idParam],
      responses: { 200: { description: 'The graph', content: { 'application/json': { schema: { $ref: '#/components/schemas/Provenance' } } } }, 404: problem('No such artifact (NOT_FOUND)'), ...auth },
    },
  },
  '/artifacts/{id}/refresh': {
    post: {
      operationId: 'refreshArtifact',
      summary: 'Make a stale artifact again from its stale step: the same job (or chain) with the current preset version and model, same params and inputs',
      parameters: [idParam],
      responses: {
        202: queued,
        404: problem('No such artifact (NOT_FOUND)'),
        409: problem('The artifact is up to date (NOT_STALE)'),
        422: problem('The current preset version rejects the recorded params, or an input is gone (fields named)'),
        429: problem('Quota exceeded (Retry-After)'),
        ...auth,
      },
    },
  },
  '/artifacts/{id}/reproduce': {
    post: {
      operationId: 'reproduceArtifact',
      summary: 'Run the recorded job (or chain) again with the recorded inputs, preset version and seed; deterministic steps (enhance, interpolate fast/quality) give the same bytes',
      parameters: [idParam],
      responses: {
        202: queued,
        404: problem('No such artifact (NOT_FOUND)'),
        409: problem('An upload, or its model file changed since (NOT_REPRODUCIBLE)'),
        422: problem('An input artifact is gone (fields named)'),
        429: problem('Quota exceeded (Retry-After)'),
        ...auth,
      },
    },
  },
};

/** The lineage routes' part of the API document (plugin/http/api-docs.ts). */
export const lineageRoutesDoc: ApiDoc = {
  tag: { name: 'lineage', description: 'Provenance back to the uploads, staleness, refresh and reproduce' },
  responses: lineageSchemas,
  paths: lineagePaths as ApiDoc['paths'],
};
