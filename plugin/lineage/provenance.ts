// An artifact's provenance: the graph back to the uploads, through the parent ids of each artifact
// and the inputs of each job, with everything each step ran with (who, preset version and hash,
// models, seed, params, input hashes, backend, timings, reused or ran, stale or fresh).
import type { Knex } from 'knex';
import type { ModelRef, ProvenanceStep } from '../../contract/lineage.js';
import type { Artifact, Job, JsonObject, JsonValue, StaleReason } from '../core/types.js';
import { getArtifacts, publishedOutputsOfJobs } from '../artifacts/store.js';
import { chainPlaces, getJobs, type ChainPlace } from '../jobs/store.js';
import type { Staleness } from './staleness.js';

export interface ProvenanceGraph {
  artifactId: string;
  /** The asked artifact first, then its ancestors, nearest first. */
  artifacts: Artifact[];
  steps: ProvenanceStep[];
  stale: boolean;
  truncated: boolean;
}

export interface ProvenanceLimits {
  /** Generations walked back. */
  depth: number;
  /** Artifacts listed at most. */
  artifacts: number;
}

const LIMITS: ProvenanceLimits = { depth: 32, artifacts: 500 };

export async function provenanceOf(knex: Knex, staleness: Staleness, root: Artifact, limits: ProvenanceLimits = LIMITS): Promise<ProvenanceGraph> {
  const artifacts = new Map<string, Artifact>([[root.id, root]]);
  const jobs = new Map<string, Job>();
  let frontier: Artifact[] = [root];
  let truncated = false;
  for (let depth = 0; frontier.length; depth++) {
    const newJobs = await getJobs(knex, frontier.map((a) => a.jobId).filter((id): id is string => !!id && !jobs.has(id)));
    for (const job of newJobs) jobs.set(job.id, job);
    const next = new Set<string>();
    for (const artifact of frontier) {
      const job = artifact.jobId ? jobs.get(artifact.jobId) : undefined;
      for (const id of [...artifact.parentIds, ...(job?.inputIds ?? [])]) if (!artifacts.has(id)) next.add(id);
    }
    if (next.size && (depth + 1 >= limits.depth || artifacts.size + next.size > limits.artifacts)) {
      truncated = true;
      break;
    }
    frontier = await getArtifacts(knex, [...next]);
    for (const artifact of frontier) artifacts.set(artifact.id, artifact);
  }

  const jobList = [...jobs.values()];
  const places = await chainPlaces(knex, jobList.map((j) => j.id));
  const [outputs, stale] = await Promise.all([publishedOutputsOfJobs(knex, jobList.map((j) => j.id)), staleness.ofJobs(jobList, places)]);
  const steps = jobList.map((job) =>
    stepOf(job, {
      recorded: outputs.filter((o) => o.jobId === job.id),
      made: [...artifacts.values()].filter((a) => a.jobId === job.id).map((a) => a.id),
      inputs: job.inputIds.map((id) => ({ artifactId: id, sha256: artifacts.get(id)?.sha256 ?? null })),
      place: places.get(job.id) ?? { parentJobId: null, stepId: null, reusedFromJobId: null },
      stale: stale.get(job.id) ?? null,
    }),
  );
  return { artifactId: root.id, artifacts: [...artifacts.values()], steps, stale: stale.size > 0, truncated };
}

interface StepSources {
  /** The job's published outputs: their metadata says what ran (models, seed, engine). */
  recorded: Artifact[];
  /** The artifacts of the graph it made. */
  made: string[];
  inputs: ProvenanceStep['inputs'];
  place: ChainPlace;
  stale: StaleReason | null;
}

/** What the executor recorded, from the job's main output (a preview carries less). */
function metadataOf(recorded: Artifact[]): JsonObject {
  return (recorded.find((a) => a.role === 'output') ?? recorded[0])?.metadata ?? {};
}

const ENGINE_FIELDS = ['engine', 'kernel', 'sharpened', 'modelScale', 'tiles', 'tileWidth', 'tileHeight', 'executionProvider', 'threads', 'durationMs', 'encoder', 'promptId', 'comfy', 'outputFormat'];

function stepOf(job: Job, from: StepSources): ProvenanceStep {
  const metadata = metadataOf(from.recorded);
  const ms = (a: string | null, b: string | null) => (a && b ? Math.max(0, new Date(b).getTime() - new Date(a).getTime()) : null);
  return {
    jobId: job.id,
    workflow: job.workflow,
    status: job.status,
    actor: job.submittedBy,
    source: job.source,
    preset: job.preset,
    models: modelsOf(metadata),
    seed: seedOf(metadata, job.params),
    params: job.params,
    inputs: from.inputs,
    outputs: from.made,
    backend: job.backend,
    engine: Object.fromEntries(ENGINE_FIELDS.filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]!])),
    timings: { submittedAt: job.createdAt, startedAt: job.startedAt, finishedAt: job.finishedAt, queuedMs: ms(job.createdAt, job.startedAt), runMs: ms(job.startedAt, job.finishedAt) },
    attempts: job.attempts,
    run: from.place.reusedFromJobId ? 'reused' : 'ran',
    reusedFromJobId: from.place.reusedFromJobId,
    chainJobId: from.place.parentJobId,
    stepId: from.place.stepId,
    stale: from.stale !== null,
    staleReason: from.stale,
  };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** A loader's class says what it loads (CheckpointLoaderSimple, LoraLoader, VAELoader...). */
export function modelRole(classType: string, name: string): string {
  const text = `${classType} ${name}`;
  if (/lora/i.test(text)) return 'lora';
  if (/checkpoint/i.test(classType)) return 'checkpoint';
  if (/vae/i.test(classType)) return 'vae';
  if (/clip/i.test(classType)) return 'clip';
  if (/upscale/i.test(classType)) return 'upscaler';
  if (/unet|diffusion/i.test(classType)) return 'unet';
  if (/tts/i.test(classType)) return 'tts';
  return 'model';
}

/**
 * Enhance and interpolate's model mode record their model with source, sha256 and size; ComfyUI
 * jobs record the files their loaders read (`modelFiles`; older jobs only `models`, the names).
 * ComfyUI reports no file sizes or hashes, so those are null.
 */
function modelsOf(metadata: JsonObject): ModelRef[] {
  const models: ModelRef[] = [];
  const model = metadata.model;
  if (isObject(model) && typeof model.name === 'string') {
    models.push({ role: typeof model.role === 'string' ? model.role : 'upscaler', name: model.name, source: typeof model.source === 'string' ? model.source : null, sha256: typeof model.sha256 === 'string' ? model.sha256 : null, bytes: typeof model.bytes === 'number' ? model.bytes : null });
  }
  const files = Array.isArray(metadata.modelFiles) ? metadata.modelFiles.filter(isObject) : [];
  for (const file of files) {
    if (typeof file.name !== 'string') continue;
    const classType = typeof file.classType === 'string' ? file.classType : '';
    models.push({ role: modelRole(classType, file.name), name: file.name, source: classType ? `ComfyUI ${classType}${typeof file.node === 'string' ? ` (node ${file.node})` : ''}` : null, sha256: null, bytes: null });
  }
  if (files.length === 0 && Array.isArray(metadata.models)) {
    for (const name of metadata.models) if (typeof name === 'string') models.push({ role: modelRole('', name), name, source: null, sha256: null, bytes: null });
  }
  return models;
}

function seedOf(metadata: JsonObject, params: JsonObject): number | string | null {
  for (const value of [metadata.seed, params.seed]) if (typeof value === 'number' || typeof value === 'string') return value;
  return null;
}
