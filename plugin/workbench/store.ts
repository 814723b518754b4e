// The workbench tables: drafts (media_workbench_drafts) and the results their steps' runs made
// (media_workbench_results: the job id plus the draft-side snapshot). One operation per function.
import type { Knex } from 'knex';
import type { DraftDefinition, DraftRun, ResultSnapshot } from '../../contract/workbench.js';
import { newId } from '../core/ids.js';
import { isoAfter, nowIso, toIso } from '../core/time.js';
import { parseJson, type Row } from '../core/rows.js';

export const DRAFTS = 'media_workbench_drafts';
export const RESULTS = 'media_workbench_results';

type Db = Knex | Knex.Transaction;

export interface DraftRow {
  id: string;
  owner: string;
  name: string;
  definition: DraftDefinition;
  inputValues: Record<string, string | number>;
  selections: Record<string, string>;
  run: DraftRun | null;
  createdAt: string;
  updatedAt: string;
}

export interface ResultRow {
  jobId: string;
  draftId: string;
  stepId: string;
  snapshot: ResultSnapshot;
  createdAt: string;
}

function draftFromRow(row: Row): DraftRow {
  return {
    id: String(row.id),
    owner: String(row.owner),
    name: String(row.name),
    definition: parseJson<DraftDefinition>(row.definition, { inputs: [], steps: [] }),
    inputValues: parseJson(row.input_values, {}),
    selections: parseJson(row.selections, {}),
    run: parseJson<DraftRun | null>(row.run, null),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export async function insertDraft(db: Db, draft: { owner: string; name: string; definition: DraftDefinition; inputValues: Record<string, string | number> }): Promise<DraftRow> {
  const now = nowIso();
  const row = {
    id: newId(),
    owner: draft.owner,
    name: draft.name,
    definition: JSON.stringify(draft.definition),
    input_values: JSON.stringify(draft.inputValues),
    selections: '{}',
    run: null,
    run_status: null,
    created_at: now,
    updated_at: now,
  };
  await db(DRAFTS).insert(row);
  return draftFromRow(row);
}

export async function getDraft(db: Db, id: string): Promise<DraftRow | null> {
  const row = (await db(DRAFTS).where({ id }).first()) as Row | undefined;
  return row ? draftFromRow(row) : null;
}

export async function listDrafts(db: Db, owner: string): Promise<DraftRow[]> {
  const rows = (await db(DRAFTS).where({ owner }).orderBy('updated_at', 'desc').orderBy('id', 'desc')) as Row[];
  return rows.map(draftFromRow);
}

/** Drafts with a "run to here" / "run all" in progress (any owner). */
export async function draftsRunning(db: Db): Promise<DraftRow[]> {
  const rows = (await db(DRAFTS).where({ run_status: 'running' })) as Row[];
  return rows.map(draftFromRow);
}

export interface DraftPatch {
  name?: string;
  definition?: DraftDefinition;
  inputValues?: Record<string, string | number>;
  selections?: Record<string, string>;
  run?: DraftRun | null;
}

export async function updateDraft(db: Db, id: string, patch: DraftPatch): Promise<void> {
  const row: Record<string, unknown> = { updated_at: nowIso() };
  if (patch.name !== undefined) row.name = patch.name;
  if (patch.definition !== undefined) row.definition = JSON.stringify(patch.definition);
  if (patch.inputValues !== undefined) row.input_values = JSON.stringify(patch.inputValues);
  if (patch.selections !== undefined) row.selections = JSON.stringify(patch.selections);
  if (patch.run !== undefined) {
    row.run = patch.run ? JSON.stringify(patch.run) : null;
    row.run_status = patch.run?.status ?? null;
  }
  await db(DRAFTS).where({ id }).update(row);
}

/**
 * Takes the right to go on with a draft's run for `ms` (one server at a time): true when this
 * owner has it now (nobody held it, the holder's time ran out, or it is this owner's already).
 */
export async function takeRunLease(db: Db, id: string, owner: string, ms: number): Promise<boolean> {
  const now = nowIso();
  const updated = await db(DRAFTS)
    .where({ id })
    .where((q) => q.whereNull('run_lease_owner').orWhere('run_lease_until', '<', now).orWhere('run_lease_owner', owner))
    .update({ run_lease_owner: owner, run_lease_until: isoAfter(ms) });
  return updated === 1;
}

export async function releaseRunLease(db: Db, id: string, owner: string): Promise<void> {
  await db(DRAFTS).where({ id, run_lease_owner: owner }).update({ run_lease_owner: null, run_lease_until: null });
}

/** Removes the draft and its result rows; the jobs and their artifacts stay in the library. */
export async function deleteDraft(knex: Knex, id: string): Promise<boolean> {
  return knex.transaction(async (trx) => {
    await trx(RESULTS).where({ draft_id: id }).delete();
    return (await trx(DRAFTS).where({ id }).delete()) > 0;
  });
}

export async function insertResult(db: Db, result: Omit<ResultRow, 'createdAt'>): Promise<ResultRow> {
  const createdAt = nowIso();
  await db(RESULTS).insert({ job_id: result.jobId, draft_id: result.draftId, step_id: result.stepId, snapshot: JSON.stringify(result.snapshot), created_at: createdAt });
  return { ...result, createdAt };
}

/** A draft's results, newest first. */
export async function resultsOfDraft(db: Db, draftId: string): Promise<ResultRow[]> {
  const rows = (await db(RESULTS).where({ draft_id: draftId }).orderBy('created_at', 'desc').orderBy('job_id', 'desc')) as Row[];
  return rows.map((row) => ({
    jobId: String(row.job_id),
    draftId: String(row.draft_id),
    stepId: String(row.step_id),
    snapshot: parseJson<ResultSnapshot>(row.snapshot, { step: {}, upstream: {}, inputValues: {}, artifacts: {} }),
    createdAt: toIso(row.created_at),
  }));
}

/** The draft a workbench job ran for, if any. */
export async function draftOfJob(db: Db, jobId: string): Promise<string | null> {
  const row = (await db(RESULTS).select('draft_id').where({ job_id: jobId }).first()) as Row | undefined;
  return row ? String(row.draft_id) : null;
}
