// The prompt_artifacts table, one database operation per function.
import type { Knex } from 'knex';
import type { JsonObject } from '../core/types.js';
import { toIso } from '../core/time.js';
import type { PromptId } from './host-row.js';

type Db = Knex | Knex.Transaction;

export const PROMPT_ARTIFACT_TYPES = ['image', 'audio', 'thumbnail', 'waveform'] as const;
export type PromptArtifactType = (typeof PROMPT_ARTIFACT_TYPES)[number];

export interface PromptArtifact {
  id: number;
  promptId: PromptId;
  artifactType: PromptArtifactType;
  /** Relative to the media root. */
  filePath: string;
  previewPath: string | null;
  metadata: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export interface NewPromptArtifact {
  artifactType: PromptArtifactType;
  filePath: string;
  previewPath: string | null;
  metadata: JsonObject;
}

function fromRow(row: Record<string, unknown>): PromptArtifact {
  let metadata: JsonObject = {};
  try {
    metadata = typeof row.metadata === 'string' ? (JSON.parse(row.metadata) as JsonObject) : ((row.metadata as JsonObject | null) ?? {});
  } catch {
    metadata = {};
  }
  return {
    id: Number(row.id),
    promptId: row.prompt_id as PromptId,
    artifactType: row.artifact_type as PromptArtifactType,
    filePath: String(row.file_path),
    previewPath: (row.preview_path as string | null) ?? null,
    metadata,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

export async function insertPromptArtifacts(db: Db, table: string, promptId: PromptId, artifacts: NewPromptArtifact[], now = new Date().toISOString()): Promise<void> {
  if (artifacts.length === 0) return;
  await db(table).insert(
    artifacts.map((a) => ({
      prompt_id: promptId,
      artifact_type: a.artifactType,
      file_path: a.filePath,
      preview_path: a.previewPath,
      metadata: JSON.stringify(a.metadata),
      created_at: now,
      updated_at: now,
    })),
  );
}

/** Artifacts of several prompts at once, in insertion order, grouped by prompt id (as a string). */
export async function artifactsOfPrompts(db: Db, table: string, promptIds: PromptId[]): Promise<Map<string, PromptArtifact[]>> {
  const byPrompt = new Map<string, PromptArtifact[]>();
  if (promptIds.length === 0) return byPrompt;
  const rows = (await db(table).whereIn('prompt_id', promptIds).orderBy('id')) as Array<Record<string, unknown>>;
  for (const row of rows) {
    const artifact = fromRow(row);
    const key = String(artifact.promptId);
    byPrompt.set(key, [...(byPrompt.get(key) ?? []), artifact]);
  }
  return byPrompt;
}

export async function getPromptArtifact(db: Db, table: string, promptId: PromptId, id: number): Promise<PromptArtifact | null> {
  const row = (await db(table).where({ id, prompt_id: promptId }).first()) as Record<string, unknown> | undefined;
  return row ? fromRow(row) : null;
}

/** Rows created before `cutoff`, oldest first. */
export async function artifactsCreatedBefore(db: Db, table: string, cutoff: string): Promise<PromptArtifact[]> {
  const rows = (await db(table).where('created_at', '<', cutoff).orderBy('id')) as Array<Record<string, unknown>>;
  return rows.map(fromRow);
}

/** Paths (file or preview) that rows other than `excludedIds` still point at. */
export async function pathsStillReferenced(db: Db, table: string, paths: string[], excludedIds: number[]): Promise<Set<string>> {
  const referenced = new Set<string>();
  const excluded = new Set(excludedIds.map(Number));
  for (let i = 0; i < paths.length; i += 400) {
    const chunk = paths.slice(i, i + 400);
    const rows = (await db(table)
      .select('file_path', 'preview_path', 'id')
      .where((q) => q.whereIn('file_path', chunk).orWhereIn('preview_path', chunk))) as Array<{ id: number; file_path: string; preview_path: string | null }>;
    for (const row of rows) {
      if (excluded.has(Number(row.id))) continue;
      if (chunk.includes(row.file_path)) referenced.add(row.file_path);
      if (row.preview_path && chunk.includes(row.preview_path)) referenced.add(row.preview_path);
    }
  }
  return referenced;
}

export async function deletePromptArtifacts(db: Db, table: string, ids: number[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < ids.length; i += 400) deleted += await db(table).whereIn('id', ids.slice(i, i + 400)).delete();
  return deleted;
}
