// What the server can do: GET /health, GET /kinds. (GET /openapi.json and /docs: docs-routes.ts.)
import express, { type Router } from 'express';
import { z } from 'zod';
import { healthSchema } from '../../contract/health.js';
import { kindListSchema, type KindInfo, type KindList } from '../../contract/kinds.js';
import type { KindRegistry } from '../kinds/registry.js';
import { route } from './handle.js';
import { availabilityOf, healthReport, type HealthDeps } from './health.js';
import { jsonAnswer, type ApiDoc } from './openapi.js';
import { isInterpolateKind } from '../pipelines/interpolate/index.js';

export interface MetaRouteDeps {
  kinds: KindRegistry;
  health: HealthDeps;
}

export function createMetaRoutes({ kinds, health }: MetaRouteDeps): Router {
  const router = express.Router();

  router.get(
    '/health',
    route(async (_req, res) => {
      const report = await healthReport(health);
      res.status(report.ok ? 200 : 503).json(report);
    }),
  );

  router.get(
    '/kinds',
    route(async (_req, res) => {
      const body: KindList = {
        items: await Promise.all(
          kinds.all().map(async (k) => {
            // Kinds with presets of their own (enhance's quality presets, the comfy kinds' script
            // presets) say which are available here and why not; a describer may be async.
            const presets =
              'describePresets' in k && typeof k.describePresets === 'function' ? await (k.describePresets as () => KindInfo['presets'] | Promise<KindInfo['presets']>)() : undefined;
            return {
              kind: k.kind,
              description: k.description,
              ...availabilityOf(kinds, k.kind),
              inputs: k.inputs,
              params: z.toJSONSchema(k.paramsSchema, { io: 'input', unrepresentable: 'any' }) as KindInfo['params'],
              ...(presets?.length ? { presets } : {}),
              // Interpolate says which modes run here (`model` needs a configured model).
              ...(isInterpolateKind(k) ? { modes: k.describeModes() } : {}),
            };
          }),
        ),
      };
      res.json(body);
    }),
  );

  return router;
}

/** The OpenAPI part of these routes (collected in api-docs.ts). */
export const metaRoutesDoc: ApiDoc = {
  tag: { name: 'server', description: 'What this server can do and how it is doing.' },
  responses: { Health: healthSchema, Kinds: kindListSchema },
  paths: {
    '/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Database, queue depth by status, live workers, executors, standing alerts',
        description: 'Installed pipelines add their own sections (ComfyUI backends, enhance presets, the prompt queue), so the object is open. `ok` and the HTTP status follow the database alone.',
        responses: { 200: jsonAnswer('The database answers (status ok or degraded)', 'Health'), 503: jsonAnswer('The database does not answer (status down)', 'Health') },
      },
    },
    '/kinds': {
      get: {
        operationId: 'listKinds',
        summary: 'The workflow kinds: parameter schemas, input rules, availability',
        responses: { 200: jsonAnswer('The kinds', 'Kinds') },
      },
    },
  },
};
