// /workbench/drafts: an admin's drafts (list, create, get, update, delete), running a step, "run
// to here", "run all", selecting a result, and "Export as chain preset". The OpenAPI path items
// of these routes are exported beside them (workbenchOpenApi: path items and component schemas) for the API document.
import express, { type Router } from 'express';
import { z } from 'zod';
import {
  createDraftSchema,
  draftListSchema,
  draftSchema,
  exportDraftSchema,
  exportResultSchema,
  runStepSchema,
  selectResultSchema,
  updateDraftSchema,
} from '../../contract/workbench.js';
import { problemSchema } from '../../contract/problem.js';
import { jobSchema } from '../../contract/job.js';
import { jsonValueSchema } from '../../contract/json.js';
import type { WorkbenchService } from '../workbench/service.js';
import { userOf } from './auth.js';
import { route } from './handle.js';
import { draftSummaryView, draftView, jobView } from './views.js';
import type { ApiDoc, PathItems } from './openapi.js';

export interface WorkbenchRouteDeps {
  workbench: WorkbenchService;
  mount: string;
}

export function createWorkbenchRoutes({ workbench, mount }: WorkbenchRouteDeps): Router {
  const router = express.Router();
  const id = (value: unknown) => String(value);

  router.get(
    '/workbench/drafts',
    route(async (req, res) => {
      res.json({ items: (await workbench.list(userOf(req))).map(draftSummaryView) });
    }),
  );

  router.post(
    '/workbench/drafts',
    route(async (req, res) => {
      const state = await workbench.create(userOf(req), req.body);
      res.status(201).location(`${mount}/workbench/drafts/${state.draft.id}`).json(draftView(mount, state));
    }),
  );

  router.get(
    '/workbench/drafts/:id',
    route(async (req, res) => {
      res.json(draftView(mount, await workbench.get(userOf(req), id(req.params.id))));
    }),
  );

  router.put(
    '/workbench/drafts/:id',
    route(async (req, res) => {
      res.json(draftView(mount, await workbench.update(userOf(req), id(req.params.id), req.body)));
    }),
  );

  router.delete(
    '/workbench/drafts/:id',
    route(async (req, res) => {
      await workbench.remove(userOf(req), id(req.params.id));
      res.status(204).end();
    }),
  );

  router.post(
    '/workbench/drafts/:id/steps/:stepId/run',
    route(async (req, res) => {
      const { state, job } = await workbench.runStep(userOf(req), id(req.params.id), id(req.params.stepId), req.body);
      res.status(202).json({ job: jobView(job), draft: draftView(mount, state) });
    }),
  );

  router.post(
    '/workbench/drafts/:id/steps/:stepId/run-to-here',
    route(async (req, res) => {
      res.status(202).json(draftView(mount, await workbench.run(userOf(req), id(req.params.id), id(req.params.stepId))));
    }),
  );

  router.post(
    '/workbench/drafts/:id/run',
    route(async (req, res) => {
      res.status(202).json(draftView(mount, await workbench.run(userOf(req), id(req.params.id), null)));
    }),
  );

  router.post(
    '/workbench/drafts/:id/steps/:stepId/select',
    route(async (req, res) => {
      res.json(draftView(mount, await workbench.select(userOf(req), id(req.params.id), id(req.params.stepId), req.body)));
    }),
  );

  router.post(
    '/workbench/drafts/:id/export',
    route(async (req, res) => {
      const result = await workbench.exportDraft(userOf(req), id(req.params.id), req.body);
      res.status(result.created ? 201 : 200).json(result);
    }),
  );

  return router;
}

type JsonSchema = Record<string, unknown>;

const runStepResponseSchema = z.strictObject({ job: jobSchema, draft: draftSchema });

/** Component schemas by name: answers (io output) and request bodies (io input). */
const RESPONSE_SCHEMAS: Record<string, z.ZodType> = {
  Problem: problemSchema,
  JsonValue: jsonValueSchema,
  WorkbenchDraft: draftSchema,
  WorkbenchDraftList: draftListSchema,
  WorkbenchStepRun: runStepResponseSchema,
  WorkbenchExportResult: exportResultSchema,
};
const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  WorkbenchCreateDraft: createDraftSchema,
  WorkbenchUpdateDraft: updateDraftSchema,
  WorkbenchRunStep: runStepSchema,
  WorkbenchSelectResult: selectResultSchema,
  WorkbenchExportDraft: exportDraftSchema,
};

function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, { io, unrepresentable: 'any', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  for (const schema of Object.values(out)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out;
}

/**
 * The OpenAPI 3.1 of the workbench routes: path items (paths relative to the mount), each
 * operation with its operationId, request body and answers, and the component schemas they
 * $ref (`#/components/schemas/Workbench*`; `Problem` and `JsonValue` are the API document's own).
 */
export function workbenchOpenApi(): { paths: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> } {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const json = (description: string, name: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
  const body = (name: string, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });
  const common = { 401: problemResponse('No signed-in user'), 403: problemResponse('The user is not an admin') };
  const draftId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const stepId = { name: 'stepId', in: 'path', required: true, schema: { type: 'string' } };
  const notFound = problemResponse("No such draft of yours (another admin's draft is not found either), or no such step");
  const invalid = problemResponse('Invalid fields, each named by its path (e.g. definition.steps[1].inputs.image)');
  const notReady = problemResponse('An upstream step has no fresh, finished result (UPSTREAM_NOT_READY)');
  const paths = {
    '/workbench/drafts': {
      get: { operationId: 'listDrafts', summary: 'Your workbench drafts, most recently changed first', responses: { 200: json('Your drafts', 'WorkbenchDraftList'), ...common } },
      post: { operationId: 'createDraft', summary: 'Create a draft (an editable chain and the values of its inputs)', requestBody: body('WorkbenchCreateDraft'), responses: { 201: json('Created', 'WorkbenchDraft'), 422: invalid, ...common } },
    },
    '/workbench/drafts/{id}': {
      get: { operationId: 'getDraft', summary: "A draft with each step's fresh/stale state, its results (newest first) and the edges", parameters: [draftId], responses: { 200: json('The draft', 'WorkbenchDraft'), 404: notFound, ...common } },
      put: { operationId: 'updateDraft', summary: "Change a draft's name, definition or input values (what is sent replaces what was there)", parameters: [draftId], requestBody: body('WorkbenchUpdateDraft'), responses: { 200: json('The draft', 'WorkbenchDraft'), 404: notFound, 422: invalid, ...common } },
      delete: { operationId: 'deleteDraft', summary: "Delete a draft; its runs' jobs and artifacts stay in the library", parameters: [draftId], responses: { 204: { description: 'Deleted' }, 404: notFound, ...common } },
    },
    '/workbench/drafts/{id}/steps/{stepId}/run': {
      post: {
        operationId: 'runDraftStep',
        summary: 'Run one step (optionally with new params or preset first) as a workbench job reading the selected upstream results',
        parameters: [draftId, stepId],
        requestBody: body('WorkbenchRunStep', false),
        responses: { 202: json('Queued', 'WorkbenchStepRun'), 404: notFound, 409: notReady, 422: invalid, 429: problemResponse('Quota exceeded'), ...common },
      },
    },
    '/workbench/drafts/{id}/steps/{stepId}/run-to-here': {
      post: { operationId: 'runDraftToStep', summary: 'Run the missing or stale steps this step needs, in order, then the step', parameters: [draftId, stepId], responses: { 202: json('Started', 'WorkbenchDraft'), 404: notFound, 422: invalid, ...common } },
    },
    '/workbench/drafts/{id}/run': {
      post: { operationId: 'runDraft', summary: 'Run every missing or stale step of the draft, in order', parameters: [draftId], responses: { 202: json('Started', 'WorkbenchDraft'), 404: notFound, 422: invalid, ...common } },
    },
    '/workbench/drafts/{id}/steps/{stepId}/select': {
      post: {
        operationId: 'selectDraftResult',
        summary: 'Select a result of a step: restores the inputs that made it and selects the matching downstream results',
        parameters: [draftId, stepId],
        requestBody: body('WorkbenchSelectResult'),
        responses: { 200: json('The draft', 'WorkbenchDraft'), 404: notFound, 422: invalid, ...common },
      },
    },
    '/workbench/drafts/{id}/export': {
      post: {
        operationId: 'exportDraft',
        summary: 'Publish the draft as a chain preset version (the same content again returns the existing version)',
        parameters: [draftId],
        requestBody: body('WorkbenchExportDraft'),
        responses: { 201: json('A new version', 'WorkbenchExportResult'), 200: json('The same content was already this version', 'WorkbenchExportResult'), 404: notFound, 422: invalid, ...common },
      },
    },
  };
  return { paths, schemas: { ...componentSchemas(REQUEST_SCHEMAS, 'input'), ...componentSchemas(RESPONSE_SCHEMAS, 'output') } };
}

/** The workbench routes' part of the API document (plugin/http/api-docs.ts). */
export const workbenchRoutesDoc: ApiDoc = {
  tag: { name: 'workbench', description: 'Drafts of chains: run steps, compare results, see what is stale, export as a chain preset' },
  requests: REQUEST_SCHEMAS,
  // Problem and JsonValue are the document's own components already.
  responses: Object.fromEntries(Object.entries(RESPONSE_SCHEMAS).filter(([name]) => name !== 'Problem' && name !== 'JsonValue')),
  paths: workbenchOpenApi().paths as PathItems,
};
