// The prompt routes (mounted at /api/prompts): prompts with their artifact_status and
// artifacts, and the media files themselves, each behind the host's authentication and its
// per-prompt access hook.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Knex } from 'knex';
import type { User } from '../core/types.js';
import type { Authenticate } from '../options.js';
import { sendProblem } from '../http/problem.js';
import { authenticationFailedProblem } from '../http/auth-failure.js';
import { route } from '../http/handle.js';
import { jsonAnswer, pathParam, problemAnswer, queryParameters, type ApiDoc } from '../http/openapi.js';
import { promptArtifactsSchema, promptPageSchema, promptSchema } from '../../contract/prompts.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { ValidationError } from '../core/errors.js';
import type { CanViewPrompt, PromptQueueOptions } from './options.js';
import { getPrompt, listPrompts } from './prompt-rows.js';
import type { PromptId, PromptRow } from './host-row.js';
import { artifactsOfPrompts, getPromptArtifact } from './artifact-rows.js';
import { promptJson, artifactJson } from './prompt-json.js';
import type { PromptMediaRoot } from './media-root.js';

export interface PromptRoutesDeps {
  knex: Knex;
  options: PromptQueueOptions;
  media: PromptMediaRoot;
  authenticate: Authenticate;
  canView: CanViewPrompt;
  /** Resolves once the host schema is known to be migrated (every route waits for it). */
  ready: () => Promise<unknown>;
  /** The prompt types this process's poller holds back, each with `paused: <why>`. */
  paused: () => Partial<Record<string, string>>;
}

/** `paused: <why>` for a prompt still waiting whose type is held back; else null. */
function pausedNote(json: { prompt_type: string; artifact_status: string | null }, paused: Partial<Record<string, string>>): string | null {
  return json.artifact_status === 'pending' || json.artifact_status === null ? (paused[json.prompt_type] ?? null) : null;
}

const idParam = z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'expected a prompt id');
const csv = z
  .string()
  .max(500)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean));
const listQuery = z.object({
  type: csv.optional(),
  status: csv.optional(),
  artifact_status: csv.optional(),
  cursor: idParam.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Numeric ids compare as numbers (an integer key column on either database). */
function promptIdOf(value: string): PromptId {
  return /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** PostgreSQL refuses `WHERE id = 'abc'` on an integer key (22P02): that id simply does not exist. */
function ifWrongIdType<T>(fallback: T | (() => T)) {
  return (error: unknown): T => {
    if ((error as { code?: string }).code !== '22P02') throw error;
    return typeof fallback === 'function' ? (fallback as () => T)() : fallback;
  };
}

async function userOf(authenticate: Authenticate, req: Request, res: Response): Promise<User | null> {
  let user: User | null;
  try {
    user = await authenticate(req);
  } catch (error) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="media-lab"');
    sendProblem(res, authenticationFailedProblem(error));
    return null;
  }
  if (!user) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="media-lab"');
    sendProblem(res, { title: 'Sign-in required', status: 401, code: 'UNAUTHENTICATED', detail: 'Prompt media needs a signed-in user: send your token as "Authorization: Bearer <token>".' });
  }
  return user;
}

/** The prompt, if this user may see it; otherwise answers 401/403/404 and returns null. */
async function visiblePrompt(deps: PromptRoutesDeps, req: Request, res: Response): Promise<{ user: User; prompt: PromptRow } | null> {
  const { knex, options, authenticate, canView } = deps;
  await deps.ready();
  const user = await userOf(authenticate, req, res);
  if (!user) return null;
  const parsed = idParam.safeParse(req.params.id);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, ['id']));
  const prompt = await getPrompt(knex, options, promptIdOf(parsed.data)).catch(ifWrongIdType(null));
  if (!prompt) {
    sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: `No prompt with id ${parsed.data}.` });
    return null;
  }
  if (!(await canView(user, prompt))) {
    sendProblem(res, {
      title: 'Not allowed',
      status: 403,
      code: 'FORBIDDEN',
      detail: `User "${user.id}" may not see the media of prompt ${parsed.data}.`,
      advice: 'Only those the host allows (by default the prompt\'s owner and admins) may see its media.',
    });
    return null;
  }
  return { user, prompt };
}

/** GET / : the prompts this user may see, newest first, a page at a time (cursor: the last id). */
function listRoute(deps: PromptRoutesDeps) {
  const { knex, options, authenticate, canView } = deps;
  return route(async (req, res) => {
    await deps.ready();
    const user = await userOf(authenticate, req, res);
    if (!user) return;
    const query = listQuery.safeParse(req.query);
    if (!query.success) throw new ValidationError(zodIssues(query.error, ['query']));
    const { type, status, artifact_status, cursor, limit } = query.data;
    const rows = await listPrompts(knex, options, { types: type, statuses: status, artifactStatuses: artifact_status }, { before: cursor === undefined ? undefined : promptIdOf(cursor), limit }).catch(
      ifWrongIdType<never>(() => {
        throw new ValidationError([{ field: 'query.cursor', message: 'is not a prompt id of this table' }]);
      }),
    );
    const visible: PromptRow[] = [];
    for (const row of rows) if (await canView(user, row)) visible.push(row);
    const artifacts = await artifactsOfPrompts(knex, options.artifactsTable, visible.map((r) => r[options.columns.id] as PromptId));
    const paused = deps.paused();
    res.json({
      items: visible.map((r) => {
        const json = promptJson(r, artifacts.get(String(r[options.columns.id])) ?? [], options);
        return { ...json, paused: pausedNote(json, paused) };
      }),
      nextCursor: rows.length === limit ? String(rows[rows.length - 1][options.columns.id]) : null,
      paused,
    });
  });
}

/** GET /:id : one prompt with its artifacts. */
function promptRoute(deps: PromptRoutesDeps) {
  const { knex, options } = deps;
  return route(async (req, res) => {
    const found = await visiblePrompt(deps, req, res);
    if (!found) return;
    const id = found.prompt[options.columns.id] as PromptId;
    const artifacts = await artifactsOfPrompts(knex, options.artifactsTable, [id]);
    const json = promptJson(found.prompt, artifacts.get(String(id)) ?? [], options);
    res.json({ ...json, paused: pausedNote(json, deps.paused()) });
  });
}

/** GET /:id/artifacts : the prompt's status and its artifacts. */
function artifactsRoute(deps: PromptRoutesDeps) {
  const { knex, options } = deps;
  return route(async (req, res) => {
    const found = await visiblePrompt(deps, req, res);
    if (!found) return;
    const id = found.prompt[options.columns.id] as PromptId;
    const artifacts = (await artifactsOfPrompts(knex, options.artifactsTable, [id])).get(String(id)) ?? [];
    const json = promptJson(found.prompt, artifacts, options);
    res.json({
      prompt_id: id,
      prompt_type: json.prompt_type,
      status: json.status,
      error_message: json.error_message,
      artifact_status: json.artifact_status,
      artifact_count: json.artifact_count,
      paused: pausedNote(json, deps.paused()),
      artifacts: artifacts.map((a) => artifactJson(a, options)),
    });
  });
}

/** GET /:id/artifacts/:artifactId/file and .../preview : the media file itself. */
function fileRoute(deps: PromptRoutesDeps, which: 'file' | 'preview') {
  const { knex, options, media } = deps;
  return route(async (req, res) => {
    const found = await visiblePrompt(deps, req, res);
    if (!found) return;
    const artifactId = Number(req.params.artifactId);
    const artifact = Number.isInteger(artifactId) ? await getPromptArtifact(knex, options.artifactsTable, found.prompt[options.columns.id] as PromptId, artifactId) : null;
    const relative = artifact ? (which === 'file' ? artifact.filePath : artifact.previewPath) : null;
    if (!artifact || !relative || !(await media.exists(relative))) {
      sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: `Prompt ${String(req.params.id)} has no ${which} for artifact ${String(req.params.artifactId)}${artifact && relative ? ' (the file was pruned)' : ''}.` });
      return;
    }
    // Content-addressed files never change; only this user's cache may keep them.
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    await new Promise<void>((resolve, reject) => {
      res.sendFile(relative, { root: media.root, dotfiles: 'deny', cacheControl: false, lastModified: false }, (error) => (error && !res.headersSent ? reject(error) : resolve()));
    });
  });
}

export function createPromptRoutes(deps: PromptRoutesDeps): Router {
  const router = express.Router();
  router.get('/', listRoute(deps));
  router.get('/:id', promptRoute(deps));
  router.get('/:id/artifacts', artifactsRoute(deps));
  router.get('/:id/artifacts/:artifactId/file', fileRoute(deps, 'file'));
  router.get('/:id/artifacts/:artifactId/preview', fileRoute(deps, 'preview'));
  return router;
}

/** The OpenAPI part of these routes, mounted at `mount` (the adapter adds it with lab.addApiDoc). */
export function promptRoutesDoc(mount: string): ApiDoc {
  const promptId = pathParam('id', 'The prompt id (the host\'s key)');
  const artifactId = pathParam('artifactId', 'The prompt_artifacts row id');
  const notFound = problemAnswer('No such prompt, or no such file (NOT_FOUND)');
  const notAllowed = problemAnswer('The host\'s canView refused this user (FORBIDDEN)');
  const files = (description: string) => ({
    description,
    content: Object.fromEntries(['image/*', 'audio/*', 'application/octet-stream'].map((type) => [type, { schema: { type: 'string', contentMediaType: type, contentEncoding: 'binary' } }])),
  });
  const fileRoute = (operationId: string, summary: string) => ({
    get: { operationId, summary, parameters: [promptId, artifactId], responses: { 200: files('The file'), 403: notAllowed, 404: notFound, 416: problemAnswer('A range past the end (RANGE_NOT_SATISFIABLE)') } },
  });
  const user = { 403: notAllowed };
  return {
    tag: { name: 'prompts', description: `The prompt queue's routes (mounted at ${mount}): the host's prompts with their artifacts. Any signed-in user; the host's canView decides per prompt.` },
    mount,
    responses: { Prompt: promptSchema, PromptPage: promptPageSchema, PromptArtifacts: promptArtifactsSchema },
    paths: {
      '/': {
        get: {
          operationId: 'listPrompts',
          summary: 'The prompts this user may see, newest first',
          parameters: queryParameters(listQuery, { type: 'Comma-separated prompt types', status: 'Comma-separated host statuses', artifact_status: 'Comma-separated artifact statuses', cursor: 'nextCursor of the previous page' }),
          responses: { 200: jsonAnswer('A page of prompts', 'PromptPage'), 422: problemAnswer('An invalid query parameter (VALIDATION_FAILED)') },
        },
      },
      '/{id}': { get: { operationId: 'getPrompt', summary: 'One prompt with its artifacts', parameters: [promptId], responses: { 200: jsonAnswer('The prompt', 'Prompt'), ...user, 404: notFound, 422: problemAnswer('Not a prompt id (VALIDATION_FAILED)') } } },
      '/{id}/artifacts': {
        get: { operationId: 'getPromptArtifacts', summary: 'A prompt\'s artifact status and artifacts', parameters: [promptId], responses: { 200: jsonAnswer('Its artifacts', 'PromptArtifacts'), ...user, 404: notFound, 422: problemAnswer('Not a prompt id (VALIDATION_FAILED)') } },
      },
      '/{id}/artifacts/{artifactId}/file': fileRoute('getPromptArtifactFile', 'The media file of an artifact'),
      '/{id}/artifacts/{artifactId}/preview': fileRoute('getPromptArtifactPreview', 'The preview of an artifact (thumbnail or waveform)'),
    },
  };
}
