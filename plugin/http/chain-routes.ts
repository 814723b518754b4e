// Chain preset routes (behind the admin gate):
//   GET  /chains                         the latest version of each chain preset, and chain file problems
//   GET  /chains/:name/versions          every version
//   GET  /chains/:name/diff?from=&to=    inputs, steps and outputs changed between two versions
//   POST /chains                         publish { name, inputs, steps, outputs? } -> 201, or 200
//                                        with the existing version for the same content; 422 names
//                                        each problem (`steps[2].inputs.image`)
// Running a chain is POST /jobs { workflow: "chain", preset: { name }, ... } (job-routes.ts).
// `chainPaths` is these routes' OpenAPI 3.1 path items, for the API document.
import express, { type Router } from 'express';
import { z } from 'zod';
import {
  chainDiffSchema,
  chainListSchema,
  chainVersionsSchema,
  publishChainResponseSchema,
  publishChainSchema,
  type ChainPreset,
} from '../../contract/chains.js';
import { problemAnswer, type ApiDoc, type PathItems } from './openapi.js';
import { ValidationError } from '../core/errors.js';
import { NotFound } from '../jobs/service.js';
import type { ChainRegistry } from '../chains/registry.js';
import { userOf } from './auth.js';
import { route } from './handle.js';

export interface ChainRouteDeps {
  registry: ChainRegistry;
  /** Called after a publish (audit, staleness). */
  onPublished?(result: { chain: ChainPreset; created: boolean }, userId: string): void | Promise<void>;
}

function versionParam(value: unknown, field: string): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ValidationError([{ field, message: 'must be a version number' }]);
  return n;
}

export function createChainRoutes({ registry, onPublished }: ChainRouteDeps): Router {
  const router = express.Router();

  router.get(
    '/chains',
    route(async (_req, res) => {
      const list = await registry.list();
      res.json({ chains: list.map(({ chain, versions }) => ({ ...chain, versions })), problems: registry.fileProblems() });
    }),
  );

  router.get(
    '/chains/:name/versions',
    route(async (req, res) => {
      const name = String(req.params.name);
      const versions = await registry.versions(name);
      if (versions.length === 0) throw new NotFound(name, 'chain preset', `There is no chain preset "${name}".`);
      res.json({ name, versions });
    }),
  );

  router.get(
    '/chains/:name/diff',
    route(async (req, res) => {
      const name = String(req.params.name);
      const issues = [];
      let from: number | null = null;
      let to: number | null = null;
      try {
        from = versionParam(req.query.from, 'from');
      } catch (error) {
        issues.push(...(error as ValidationError).issues);
      }
      try {
        to = versionParam(req.query.to, 'to');
      } catch (error) {
        issues.push(...(error as ValidationError).issues);
      }
      if (issues.length) throw new ValidationError(issues);
      const versions = await registry.versions(name);
      if (versions.length === 0) throw new NotFound(name, 'chain preset', `There is no chain preset "${name}".`);
      const toVersion = to ?? versions[versions.length - 1].version;
      const fromVersion = from ?? Math.max(1, toVersion - 1);
      const result = await registry.diff(name, fromVersion, toVersion);
      if (!result) throw new NotFound(name, 'chain preset', `Chain preset "${name}" has versions ${versions.map((v) => v.version).join(', ')}; asked for ${fromVersion} and ${toVersion}.`);
      res.json({ name, from: { version: result.from.version, hash: result.from.hash }, to: { version: result.to.version, hash: result.to.hash }, ...result.diff });
    }),
  );

  router.post(
    '/chains',
    route(async (req, res) => {
      const result = await registry.publish(req.body ?? {}, 'api');
      await onPublished?.(result, userOf(req).id);
      res.status(result.created ? 201 : 200).json({ ...result.chain, created: result.created });
    }),
  );

  return router;
}

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}

const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema: schemaOf(schema, 'output') } } });
const problem = (description: string) => problemAnswer(description);
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const versionQuery = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'integer', minimum: 1 } });
const denied = { 401: problem('No signed-in user'), 403: problem('The user is not an admin') };

/** OpenAPI 3.1 path items of the chain routes (relative to the mount path). */
export function chainPaths(): Record<string, JsonSchema> {
  return {
    '/chains': {
      get: {
        operationId: 'listChains',
        summary: 'The latest version of each chain preset, with how many versions it has, and problems with chain files',
        responses: { 200: json('Chain presets', chainListSchema), ...denied },
      },
      post: {
        operationId: 'publishChain',
        summary: 'Publish a chain preset version (immutable; the same content returns the existing version)',
        requestBody: { required: true, content: { 'application/json': { schema: schemaOf(publishChainSchema, 'input') } } },
        responses: {
          201: json('A new version', publishChainResponseSchema),
          200: json('The version that already has this content', publishChainResponseSchema),
          422: problem('Invalid definition: each problem in errors[] with its path (steps[2].inputs.image)'),
          ...denied,
        },
      },
    },
    '/chains/{name}/versions': {
      get: {
        operationId: 'listChainVersions',
        summary: 'Every version of a chain preset, oldest first',
        parameters: [nameParam],
        responses: { 200: json('The versions', chainVersionsSchema), 404: problem('No chain preset of that name'), ...denied },
      },
    },
    '/chains/{name}/diff': {
      get: {
        operationId: 'diffChainVersions',
        summary: 'Inputs, steps and outputs changed between two versions (default: the latest against the one before)',
        parameters: [nameParam, versionQuery('from', 'The older version'), versionQuery('to', 'The newer version')],
        responses: { 200: json('The changes', chainDiffSchema), 404: problem('No such chain preset or version'), 422: problem('from or to is not a version number'), ...denied },
      },
    },
  };
}

/** The chain routes' part of the API document (plugin/http/api-docs.ts). */
export const chainRoutesDoc: ApiDoc = {
  tag: { name: 'chains', description: 'Chain presets: versioned multi-step definitions that POST /jobs runs as `workflow: "chain"`' },
  paths: chainPaths() as PathItems,
};
