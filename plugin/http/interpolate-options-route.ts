// GET /artifacts/:id/interpolate-options: the target frame rates and modes an interpolate job may
// ask of one uploaded video, from the probe its upload recorded (the form's target select).
// The interpolate kind answers it with the submit-time check's own rules, so the two agree.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import { interpolateChoicesSchema } from '../../contract/interpolate.js';
import type { KindRegistry } from '../kinds/registry.js';
import { isInterpolateKind } from '../pipelines/interpolate/index.js';
import { route } from './handle.js';
import { visibleArtifact } from './visible-artifact.js';
import { sendProblem } from './problem.js';
import { jsonAnswer, type ApiDoc } from './openapi.js';

export interface InterpolateOptionsRouteDeps {
  knex: Knex;
  kinds: KindRegistry;
}

export function createInterpolateOptionsRoute({ knex, kinds }: InterpolateOptionsRouteDeps): Router {
  const router = express.Router();
  router.get(
    '/artifacts/:id/interpolate-options',
    route(async (req, res) => {
      const id = String(req.params.id);
      const artifact = await visibleArtifact(knex, id);
      // Looked up per request: a host (or a test) may register its own interpolate kind.
      const kind = kinds.get('interpolate');
      if (!isInterpolateKind(kind)) {
        sendProblem(res, { title: 'Interpolation unavailable', status: 503, code: 'EXECUTOR_UNAVAILABLE', detail: 'This server has no interpolate pipeline installed.' });
        return;
      }
      res.json(kind.choicesFor(artifact));
    }),
  );
  return router;
}

/** The route's OpenAPI 3.1 path item (for `paths['/artifacts/{id}/interpolate-options']`). */
export const INTERPOLATE_OPTIONS_PATH = '/artifacts/{id}/interpolate-options';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

export const interpolateOptionsPathItem = {
  get: {
    operationId: 'getInterpolateOptions',
    summary: 'The target frame rates (ascending; default 2x) and modes an interpolate job may ask of this video',
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'An uploaded video artifact' }],
    responses: {
      401: problem('No signed-in user'),
      403: problem('The user is not an admin'),
      404: problem('No such artifact (NOT_FOUND)'),
      422: problem('The artifact is not a video (VALIDATION_FAILED, field id)'),
      503: problem('No interpolate pipeline on this server (EXECUTOR_UNAVAILABLE)'),
    },
  },
};

/** The route's part of the API document (plugin/http/api-docs.ts). */
export const interpolateOptionsDoc: ApiDoc = {
  tag: { name: 'interpolate', description: 'What an interpolate job may ask of a video' },
  responses: { InterpolateChoices: interpolateChoicesSchema },
  paths: {
    [INTERPOLATE_OPTIONS_PATH]: {
      get: { ...interpolateOptionsPathItem.get, responses: { ...interpolateOptionsPathItem.get.responses, 200: jsonAnswer('What this video allows', 'InterpolateChoices') } },
    },
  },
};
