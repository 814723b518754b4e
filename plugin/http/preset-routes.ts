// Preset routes (mounted behind the admin gate):
//   GET  /presets                          current version of each preset, with its parameter schema,
//                                          in list order (manifest `order`, lower first; then by name)
//   GET  /presets/:name/versions           every version
//   GET  /presets/:name/diff?from=&to=     parameter and node changes between two versions
//   POST /presets                          publish { name, kind, workflow, parameters?, ... } -> 201,
//                                          or 200 with the existing version for the same content
// The ComfyUI editor's "Publish to Media Lab" calls POST /presets from its own origin: list that
// origin in `corsOrigins`.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { PresetInvalidError } from '../../bridge/presets/definition.js';
import { describeParameter } from '../../bridge/presets/params.js';
import type { NodeCatalog } from '../../bridge/client/object-info.js';
import type { JsonObject, PresetVersion } from '../../bridge/types.js';
import { MediaLabError } from '../core/errors.js';
import type { PresetRegistry, PublishResult } from '../pipelines/comfy/preset-registry.js';
import { sendProblem, validationProblem } from './problem.js';
import { statusErrorOf, statusErrorProblem } from './status-errors.js';
import { presetDiffSchema, presetListSchema, presetVersionsSchema, publishedPresetSchema, publishPresetRequestSchema } from '../../contract/presets.js';
import { jsonAnswer, jsonBody, pathParam, problemAnswer, type ApiDoc } from './openapi.js';

export interface PresetRouteDeps {
  /** Browser origins allowed to call these routes (e.g. http://127.0.0.1:8188 for the ComfyUI editor). */
  corsOrigins?: string[];
  /** Called after a publish (audit, events). */
  onPublished?(result: PublishResult, req: Request): void | Promise<void>;
  /** Largest workflow body accepted. */
  bodyLimit?: string;
  /**
   * A backend's /object_info: GET /presets then offers, for a string parameter that feeds a model
   * list (a LoRA, a checkpoint), the names that backend has. Null or failing: no lists.
   */
  catalog?: () => Promise<NodeCatalog | null>;
}

function summary(preset: PresetVersion) {
  const { manifest } = preset.definition;
  return {
    id: preset.id,
    name: preset.name,
    version: preset.version,
    hash: preset.hash,
    kind: preset.kind,
    description: manifest.description,
    ...(manifest.order !== undefined ? { order: manifest.order } : {}),
    source: preset.source,
    createdAt: preset.createdAt,
    parameters: manifest.parameters.map(describeParameter),
    outputs: manifest.outputs,
    requires: manifest.requires,
    ...(manifest.timeout !== undefined ? { timeout: manifest.timeout } : {}),
    ...(preset.definition.script
      ? { script: { file: preset.definition.script.file, sha256: preset.definition.script.sha256, options: preset.definition.script.options.map((o) => o.flag) } }
      : {}),
  };
}

function notFound(res: Response, detail: string): void {
  sendProblem(res, { title: 'Preset not found', status: 404, code: 'PRESET_NOT_FOUND', detail });
}

function versionParam(value: unknown): number | null | 'bad' {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : 'bad';
}

/** The ComfyUI editor publishes from its own origin: answer its CORS preflight and allow it. */
function allowOrigins(corsOrigins: string[]) {
  const origins = new Set(corsOrigins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, authorization');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/**
 * The choices a backend offers for a preset's string parameters that target a combo input (e.g.
 * LoraLoader's lora_name, CheckpointLoaderSimple's ckpt_name): its /object_info list, with the
 * parameter's default kept in it even when that backend lacks the file.
 */
function withBackendChoices(preset: PresetVersion, described: JsonObject[], catalog: NodeCatalog | null): JsonObject[] {
  if (!catalog) return described;
  return described.map((parameter, i) => {
    const spec = preset.definition.manifest.parameters[i];
    if (spec?.type !== 'string' || spec.options) return parameter;
    const target = spec.targets[0];
    const node = target ? preset.definition.workflow[target.node] : undefined;
    const input = node ? catalog.input(node.class_type, target.input) : undefined;
    if (!input?.options || input.upload) return parameter;
    const options = input.options.map(String);
    if (typeof spec.default === 'string' && spec.default && !options.includes(spec.default)) options.unshift(spec.default);
    return { ...parameter, options };
  });
}

/** GET /presets */
function listPresets(registry: PresetRegistry, catalogOf?: () => Promise<NodeCatalog | null>) {
  return async (_req: Request, res: Response) => {
    const list = await registry.list();
    const catalog = catalogOf ? await catalogOf().catch(() => null) : null;
    res.json({
      presets: list.map(({ preset, versions }) => {
        const base = summary(preset);
        return { ...base, parameters: withBackendChoices(preset, base.parameters, catalog), versions };
      }),
      problems: registry.problems(),
    });
  };
}

/** GET /presets/:name/versions */
function listVersions(registry: PresetRegistry) {
  return async (req: Request<{ name: string }>, res: Response) => {
    const versions = await registry.versions(req.params.name);
    if (versions.length === 0) return notFound(res, `there is no preset "${req.params.name}"`);
    res.json({ name: req.params.name, versions: versions.map(summary) });
  };
}

/** GET /presets/:name/diff?from=&to= (default: the latest version against the one before it) */
function diffVersions(registry: PresetRegistry) {
  return async (req: Request<{ name: string }>, res: Response) => {
    const from = versionParam(req.query.from);
    const to = versionParam(req.query.to);
    const issues = [];
    if (from === 'bad') issues.push({ field: 'from', message: 'must be a version number' });
    if (to === 'bad') issues.push({ field: 'to', message: 'must be a version number' });
    if (issues.length) return sendProblem(res, validationProblem(issues));
    const versions = await registry.versions(req.params.name);
    if (versions.length === 0) return notFound(res, `there is no preset "${req.params.name}"`);
    const toVersion = (to as number | null) ?? versions[versions.length - 1].version;
    const fromVersion = (from as number | null) ?? Math.max(1, toVersion - 1);
    const result = await registry.diff(req.params.name, fromVersion, toVersion);
    if (!result) {
      return notFound(res, `preset "${req.params.name}" has versions ${versions.map((v) => v.version).join(', ')}; asked for ${fromVersion} and ${toVersion}`);
    }
    res.json({
      name: req.params.name,
      from: { version: result.from.version, hash: result.from.hash },
      to: { version: result.to.version, hash: result.to.hash },
      ...result.diff,
    });
  };
}

/** POST /presets: 201 with the new version, or 200 with the existing one for the same content. */
function publishPreset(registry: PresetRegistry, onPublished: PresetRouteDeps['onPublished']) {
  return async (req: Request, res: Response) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return sendProblem(res, validationProblem([{ field: 'body', message: 'must be a JSON object { name, kind, workflow, parameters? }' }]));
    }
    const missing = ['name', 'workflow'].filter((f) => body[f] === undefined).map((f) => ({ field: f, message: 'is required' }));
    if (missing.length) return sendProblem(res, validationProblem(missing));
    let result: PublishResult;
    try {
      result = await registry.publish(
        {
          name: body.name,
          kind: body.kind,
          workflow: body.workflow,
          description: body.description,
          order: body.order,
          parameters: body.parameters,
          derived: body.derived,
          outputs: body.outputs,
          requires: body.requires,
          timeout: body.timeout,
        },
        'api',
      );
    } catch (error) {
      if (error instanceof PresetInvalidError) {
        return sendProblem(res, validationProblem(error.issues.map((i) => ({ field: i.field, message: i.message }))));
      }
      throw error;
    }
    await onPublished?.(result, req);
    res.status(result.created ? 201 : 200).json({ ...summary(result.preset), created: result.created, inferred: result.inferred });
  };
}

/** Body-parser and registry errors as problem+json. */
function presetProblem(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);
  const parseError = error as { type?: string; status?: number };
  if (parseError?.type === 'entity.parse.failed') return sendProblem(res, validationProblem([{ field: 'body', message: 'is not valid JSON' }]));
  if (parseError?.type === 'entity.too.large') return sendProblem(res, { title: 'Workflow too large', status: 413, code: 'REQUEST_TOO_LARGE', detail: 'The workflow body is larger than the limit.' });
  const statusError = statusErrorOf(error);
  if (statusError) return sendProblem(res, statusErrorProblem(statusError));
  const code = error instanceof MediaLabError ? error.code : 'INTERNAL';
  sendProblem(res, { title: 'Preset request failed', status: 500, code, detail: (error as Error).message });
}

export function createPresetRoutes(registry: PresetRegistry, deps: PresetRouteDeps = {}): Router {
  const router = Router();
  router.use('/presets', allowOrigins(deps.corsOrigins ?? []));
  router.get('/presets', listPresets(registry, deps.catalog));
  router.get('/presets/:name/versions', listVersions(registry));
  router.get('/presets/:name/diff', diffVersions(registry));
  router.post('/presets', express.json({ limit: deps.bodyLimit ?? '20mb' }), publishPreset(registry, deps.onPublished));
  router.use('/presets', presetProblem);
  return router;
}

const presetName = pathParam('name', 'The preset name');
const versionQuery = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'integer', minimum: 1 } });
const noPreset = problemAnswer('No such preset or version (PRESET_NOT_FOUND)');

/** The OpenAPI part of these routes (collected in api-docs.ts). */
export const presetRoutesDoc: ApiDoc = {
  tag: { name: 'presets', description: 'ComfyUI presets: versioned workflows with parameter schemas. Their parameters are the `params` of generate, blend, music and voice jobs.' },
  responses: { PresetList: presetListSchema, PresetVersions: presetVersionsSchema, PresetDiff: presetDiffSchema, PublishedPreset: publishedPresetSchema },
  requests: { PublishPreset: publishPresetRequestSchema },
  paths: {
    '/presets': {
      get: {
        operationId: 'listPresets',
        summary: 'The current version of each preset, in list order, with the preset files that failed to load',
        responses: { 200: jsonAnswer('The presets', 'PresetList') },
      },
      options: {
        operationId: 'presetsCorsPreflight',
        summary: 'CORS preflight of the ComfyUI editor',
        description: 'An origin listed in `corsOrigins` gets 204 with Access-Control-Allow-* headers; any other gets the plain Allow list and no CORS headers.',
        security: [],
        responses: {
          204: { description: 'Allowed origin', headers: { 'Access-Control-Allow-Origin': { schema: { type: 'string' } } } },
          200: { description: 'Not an allowed origin: the methods, no CORS headers', headers: { Allow: { schema: { type: 'string' } } }, content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
      post: {
        operationId: 'publishPreset',
        summary: 'Publish a preset version (the ComfyUI editor\'s "Publish to Media Lab")',
        description: 'The same content as the current version answers 200 with it; anything else is a new version (201). CORS: origins in the `corsOrigins` option may call it from a browser.',
        requestBody: jsonBody('PublishPreset'),
        responses: {
          201: jsonAnswer('A new version', 'PublishedPreset'),
          200: jsonAnswer('The same content as an existing version: that version', 'PublishedPreset'),
          413: problemAnswer('The workflow is larger than the limit (REQUEST_TOO_LARGE)'),
          422: problemAnswer('An invalid preset, each problem named in errors[] (VALIDATION_FAILED)'),
        },
      },
    },
    '/presets/{name}/versions': {
      get: { operationId: 'listPresetVersions', summary: 'Every version of a preset, oldest first', parameters: [presetName], responses: { 200: jsonAnswer('Its versions', 'PresetVersions'), 404: noPreset } },
    },
    '/presets/{name}/diff': {
      get: {
        operationId: 'diffPresetVersions',
        summary: 'Parameter, node, output and time-limit changes between two versions',
        parameters: [presetName, versionQuery('from', 'Default: the version before `to`'), versionQuery('to', 'Default: the latest version')],
        responses: { 200: jsonAnswer('The changes', 'PresetDiff'), 404: noPreset, 422: problemAnswer('from or to is not a version number (VALIDATION_FAILED)') },
      },
    },
  },
};
