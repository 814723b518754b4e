// The artifact index. Files live in storage; rows hold what the files are and where they came from.
import type { Knex } from 'knex';
import type { Artifact, ArtifactRole, MediaFacts, MediaKind, WorkflowKind } from '../core/types.js';
import { artifactFromRow, type Row } from '../core/rows.js';

/** The artifact columns that describe the media itself, from an inspection's facts. */
export function mediaColumns(facts: MediaFacts): Pick<Artifact, 'kind' | 'mime' | 'width' | 'height' | 'duration' | 'fps' | 'sampleRate'> {
  return {
    kind: facts.kind,
    mime: facts.mime,
    width: facts.width ?? null,
    height: facts.height ?? null,
    duration: facts.duration ?? null,
    fps: facts.fps ?? null,
    sampleRate: facts.sampleRate ?? null,
  };
}

type Db = Knex | Knex.Transaction;
const ARTIFACTS = 'media_artifacts';

/** `attempt`: the attempt of its job that recorded an output (null for uploads). */
export async function insertArtifact(db: Db, artifact: Artifact, attempt: number | null = null): Promise<void> {
  await insertArtifacts(db, [artifact], attempt);
}

/** Several artifact rows in one statement. */
export async function insertArtifacts(db: Db, artifacts: Artifact[], attempt: number | null = null): Promise<void> {
  if (artifacts.length === 0) return;
  await db(ARTIFACTS).insert(
    artifacts.map((artifact) => ({
      attempt,
      id: artifact.id,
      job_id: artifact.jobId,
      role: artifact.role,
      kind: artifact.kind,
      storage_key: artifact.storageKey,
      sha256: artifact.sha256,
      bytes: artifact.bytes,
      mime: artifact.mime,
      width: artifact.width,
      height: artifact.height,
      duration: artifact.duration,
      fps: artifact.fps,
      sample_rate: artifact.sampleRate,
      metadata: JSON.stringify(artifact.metadata),
      parent_ids: JSON.stringify(artifact.parentIds),
      published: artifact.published,
      created_by: artifact.createdBy,
      created_at: artifact.createdAt,
    })),
  );
}

export async function getArtifact(db: Db, id: string): Promise<Artifact | null> {
  const row = (await db(ARTIFACTS).where({ id }).first()) as Row | undefined;
  return row ? artifactFromRow(row) : null;
}

/** Artifacts by id, in the order asked; missing ids are simply absent. */
export async function getArtifacts(db: Db, ids: string[]): Promise<Artifact[]> {
  if (ids.length === 0) return [];
  const rows = (await db(ARTIFACTS).whereIn('id', ids)) as Row[];
  const byId = new Map(rows.map((r) => [String(r.id), artifactFromRow(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export async function findUploadBySha(db: Db, sha256: string): Promise<Artifact | null> {
  const row = (await db(ARTIFACTS).where({ sha256, role: 'input' }).whereNull('job_id').first()) as Row | undefined;
  return row ? artifactFromRow(row) : null;
}

export async function artifactsOfJob(db: Db, jobId: string): Promise<Artifact[]> {
  const rows = (await db(ARTIFACTS).where({ job_id: jobId }).orderBy('id')) as Row[];
  return rows.map(artifactFromRow);
}

/** The artifacts of these jobs, oldest first (published or not). */
export async function artifactsOfJobs(db: Db, jobIds: string[]): Promise<Artifact[]> {
  if (jobIds.length === 0) return [];
  const rows = (await db(ARTIFACTS).whereIn('job_id', jobIds).orderBy('id')) as Row[];
  return rows.map(artifactFromRow);
}

/** The published artifacts of these jobs, oldest first. */
export async function publishedArtifactsOfJobs(db: Db, jobIds: string[]): Promise<Artifact[]> {
  if (jobIds.length === 0) return [];
  const rows = (await db(ARTIFACTS).whereIn('job_id', jobIds).where({ published: true }).orderBy('id')) as Row[];
  return rows.map(artifactFromRow);
}

/** Publishes the outputs of the attempt that succeeded, and only those. */
export async function publishJobArtifacts(db: Db, jobId: string, attempt: number): Promise<number> {
  return db(ARTIFACTS).where({ job_id: jobId, attempt, published: false }).update({ published: true });
}

/** Which unpublished outputs of a job: all, one attempt's, or all but one attempt's. */
export type AttemptFilter = { attempt: number } | { exceptAttempt: number } | Record<string, never>;

export async function deleteUnpublishedOfJob(db: Db, jobId: string, which: AttemptFilter = {}): Promise<Artifact[]> {
  const select = () => {
    const query = db(ARTIFACTS).where({ job_id: jobId, published: false });
    if ('attempt' in which) query.where('attempt', which.attempt);
    if ('exceptAttempt' in which) query.where((q) => q.whereNot('attempt', which.exceptAttempt).orWhereNull('attempt'));
    return query;
  };
  const rows = (await select()) as Row[];
  if (rows.length) await db(ARTIFACTS).whereIn('id', rows.map((r) => String(r.id))).where({ published: false }).delete();
  return rows.map(artifactFromRow);
}

export async function deleteUnpublishedByIds(db: Db, ids: string[]): Promise<Artifact[]> {
  if (ids.length === 0) return [];
  const rows = (await db(ARTIFACTS).whereIn('id', ids).where({ published: false })) as Row[];
  if (rows.length) await db(ARTIFACTS).whereIn('id', rows.map((r) => String(r.id))).where({ published: false }).delete();
  return rows.map(artifactFromRow);
}

export async function countByStorageKey(db: Db, storageKey: string): Promise<number> {
  const row = (await db(ARTIFACTS).where({ storage_key: storageKey }).count({ n: '*' }).first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

export interface ArtifactFilters {
  kind?: MediaKind[];
  role?: ArtifactRole[];
  jobId?: string;
  /** Outputs of jobs of these kinds (uploads have no job: left out when this is given). */
  workflow?: WorkflowKind[];
}

/**
 * Gallery listing: uploads and published outputs only, newest first, cursor = last id. Previews
 * (a video's poster) belong to their artifact, not beside it: left out unless `role` asks for them.
 */
export async function listArtifacts(db: Db, filters: ArtifactFilters, page: { before?: string; limit: number }): Promise<Artifact[]> {
  const query = db(ARTIFACTS).where('published', true);
  if (filters.kind?.length) query.whereIn('kind', filters.kind);
  if (filters.role?.length) query.whereIn('role', filters.role);
  else query.whereNot('role', 'preview');
  if (filters.jobId) query.where('job_id', filters.jobId);
  if (filters.workflow?.length) query.whereIn('job_id', db('media_jobs').select('id').whereIn('workflow', filters.workflow));
  if (page.before) query.where('id', '<', page.before);
  const rows = (await query.orderBy('id', 'desc').limit(page.limit)) as Row[];
  return rows.map(artifactFromRow);
}

/** Walks parent ids back to the uploaded sources (bounded, cycle-safe). */
export async function lineageOf(db: Db, artifact: Artifact, maxDepth = 32): Promise<Artifact[]> {
  const seen = new Set<string>([artifact.id]);
  const chain: Artifact[] = [];
  let frontier = artifact.parentIds;
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const fresh = frontier.filter((id) => !seen.has(id));
    fresh.forEach((id) => seen.add(id));
    const parents = await getArtifacts(db, fresh);
    chain.push(...parents);
    frontier = parents.flatMap((p) => p.parentIds);
  }
  return chain;
}

/** The published preview image a job recorded for one of its videos (interpolate's poster), if any. */
export async function posterOf(db: Db, video: Pick<Artifact, 'id' | 'jobId'>): Promise<Artifact | null> {
  if (!video.jobId) return null;
  const rows = (await db(ARTIFACTS).where({ job_id: video.jobId, role: 'preview', kind: 'image', published: true }).orderBy('id', 'asc')) as Row[];
  const previews = rows.map(artifactFromRow);
  return previews.find((p) => p.metadata.posterOf === video.id || p.parentIds.includes(video.id)) ?? null;
}

/** The published `output` and `intermediate` artifacts of these jobs (whose metadata records what ran). */
export async function publishedOutputsOfJobs(db: Db, jobIds: string[]): Promise<Artifact[]> {
  if (jobIds.length === 0) return [];
  const rows = (await db(ARTIFACTS).whereIn('job_id', [...new Set(jobIds)]).whereIn('role', ['output', 'intermediate']).where('published', true).orderBy('id')) as Row[];
  return rows.map(artifactFromRow);
}
