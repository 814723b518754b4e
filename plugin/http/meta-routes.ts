// What the server can do: GET /health, GET /kinds, GET /openapi.json.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { KindInfo, KindList } from '../../contract/kinds.js';
import type { KindRegistry } from '../kinds/registry.js';
import { route } from './handle.js';
import { healthReport, type HealthDeps } from './health.js';
import { buildOpenApi } from './openapi.js';

export interface MetaRouteDeps {
  kinds: KindRegistry;
  health: HealthDeps;
  mount: string;
}

export function createMetaRoutes({ kinds, health, mount }: MetaRouteDeps): Router {
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
              available: Boolean(k.executor),
              inputs: k.inputs,
              params: z.toJSONSchema(k.paramsSchema, { io: 'input', unrepresentable: 'any' }) as KindInfo['params'],
              ...(presets?.length ? { presets } : {}),
            };
          }),
        ),
      };
      res.json(body);
    }),
  );

  router.get(
    '/openapi.json',
    route(async (_req, res) => {
      res.json(buildOpenApi(kinds, mount));
    }),
  );

  return router;
}
