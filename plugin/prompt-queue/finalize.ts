// A claimed prompt whose job has finished: copy the outputs into the media root, draw their
// previews, then write the prompt's outcome and its prompt_artifacts rows in one transaction
// (guarded on the claim, so a second poller finishing the same prompt changes nothing).
import { extname } from 'node:path';
import sharp from 'sharp';
import type { Knex } from 'knex';
import type { Artifact, Job, JsonObject, JsonValue } from '../core/types.js';
import type { Logger } from '../core/logger.js';
import type { MediaLab } from '../media-lab.js';
import type { PromptQueueOptions } from './options.js';
import type { HostSchema } from './host-schema.js';
import { claimMarkerOf, finishPrompt } from './prompt-rows.js';
import type { PromptId, PromptRow } from './host-row.js';
import { insertPromptArtifacts, type NewPromptArtifact } from './artifact-rows.js';
import type { PromptMediaRoot } from './media-root.js';
import { writeThumbnail, writeWaveform } from './previews.js';

export interface FinalizeDeps {
  lab: MediaLab;
  knex: Knex;
  options: PromptQueueOptions;
  schema: HostSchema;
  media: PromptMediaRoot;
  log: Logger;
}

export type FinalizeOutcome = 'completed' | 'failed' | 'taken';

function compact(values: Record<string, JsonValue | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== null)) as JsonObject;
}

function secondsSince(iso: string | undefined): number {
  const started = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(started) ? Math.max(0, (Date.now() - started) / 1000) : 0;
}

/**
 * What the worker recorded about the job's last attempt in its final event: the ComfyUI prompt id,
 * the durations, a script preset's run (exit code, output tail) and, when it failed, the last
 * lines of its log (what explains the failure).
 */
async function runFacts(lab: MediaLab, job: Job, withTail: boolean): Promise<JsonObject> {
  const events = await lab.jobs.events(job.id).catch(() => []);
  const final = [...events].reverse().find((e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled');
  const details = final?.details ?? {};
  const checkpointPrompt = typeof job.checkpoint?.promptId === 'string' ? job.checkpoint.promptId : undefined;
  return compact({
    comfyPromptId: (details.comfyPromptId as JsonValue | undefined) ?? checkpointPrompt,
    durations: details.durations,
    // Script presets: script name, version, hash, duration, exit code and its last output lines.
    script: details.script,
    logTail: withTail ? details.logTail : undefined,
  });
}

function presetOf(job: Job): JsonObject | undefined {
  return job.preset ? compact({ name: job.preset.name, version: job.preset.version, hash: job.preset.hash }) : undefined;
}

/** Copies one output into the media root and draws its preview; a preview failure is logged, not fatal. */
async function publishOutput(deps: FinalizeDeps, job: Job, output: Artifact): Promise<NewPromptArtifact[]> {
  const { media, lab, options, log } = deps;
  const filePath = media.objectPath(output.sha256, extname(output.storageKey).toLowerCase());
  const source = lab.storage.pathOf(output.storageKey);
  await media.copyIn(source, filePath);
  const previewKind = output.kind === 'image' ? 'thumbnail' : 'waveform';
  let previewPath: string | null = media.previewPath(output.sha256, previewKind);
  let previewSize: { width: number; height: number } | null = null;
  try {
    await media.writeAtomically(previewPath, (temp) =>
      previewKind === 'thumbnail' ? writeThumbnail(source, temp, options.previews.thumbnailSize) : writeWaveform(source, temp, options.previews),
    );
    const meta = await sharp(media.pathOf(previewPath)).metadata();
    previewSize = { width: meta.width ?? 0, height: meta.height ?? 0 };
  } catch (error) {
    log.warn({ err: error }, `no ${previewKind} for ${filePath}: ${(error as Error).message}`);
    previewPath = null;
  }
  const metadata = compact({
    jobId: job.id,
    labArtifactId: output.id,
    workflow: job.workflow,
    preset: presetOf(job),
    seed: (job.params.seed as JsonValue | undefined) ?? (output.metadata.seed as JsonValue | undefined),
    backend: job.backend,
    mime: output.mime,
    bytes: output.bytes,
    sha256: output.sha256,
    width: output.width,
    height: output.height,
    duration: output.duration,
    sampleRate: output.sampleRate,
  });
  const rows: NewPromptArtifact[] = [{ artifactType: output.kind === 'image' ? 'image' : 'audio', filePath, previewPath, metadata }];
  if (previewPath && previewSize) {
    rows.push({
      artifactType: previewKind,
      filePath: previewPath,
      previewPath: null,
      metadata: { previewOf: filePath, mime: previewKind === 'thumbnail' ? 'image/webp' : 'image/png', ...previewSize },
    });
  }
  return rows;
}

async function writeOutcome(deps: FinalizeDeps, row: PromptRow, outcome: Parameters<typeof finishPrompt>[4], artifacts: NewPromptArtifact[]): Promise<boolean> {
  const { knex, options, schema } = deps;
  return knex.transaction(async (trx) => {
    if (!(await finishPrompt(trx, options, schema, row, outcome))) return false;
    await insertPromptArtifacts(trx, options.artifactsTable, row[options.columns.id] as PromptId, artifacts);
    return true;
  });
}

export async function failPrompt(deps: FinalizeDeps, row: PromptRow, errorMessage: string, extra: JsonObject = {}): Promise<boolean> {
  const marker = claimMarkerOf(row, deps.options);
  const durationSeconds = secondsSince(marker?.claimedAt);
  const summary = compact({ ...extra, claimedAt: marker?.claimedAt, finishedAt: new Date().toISOString(), error: errorMessage });
  const written = await writeOutcome(deps, row, { summary, durationSeconds, errorMessage }, []);
  const id = String(row[deps.options.columns.id]);
  if (written) deps.log.warn({ promptId: id, jobId: extra.jobId, outcome: 'failed', durationSeconds }, `prompt ${id} failed after ${durationSeconds.toFixed(1)} s: ${errorMessage}`);
  return written;
}

/** Writes the outcome of a prompt whose job reached a final state. */
export async function finalizePrompt(deps: FinalizeDeps, row: PromptRow, job: Job): Promise<FinalizeOutcome> {
  const { lab, options } = deps;
  const id = String(row[options.columns.id]);
  const log = deps.log.child({ promptId: id, jobId: job.id });
  const jobFacts = compact({ jobId: job.id, workflow: job.workflow, preset: presetOf(job), backend: job.backend, ...(await runFacts(lab, job, job.status !== 'SUCCEEDED')) });
  if (job.status !== 'SUCCEEDED') {
    const cause = job.status === 'CANCELLED' ? 'the job was cancelled in Media Lab' : job.errorMessage ?? 'the job failed without a message';
    const message = `Media Lab job ${job.id} (${job.workflow}) ${job.status === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${cause}${job.errorCode ? ` [${job.errorCode}]` : ''}`;
    return (await failPrompt(deps, row, message, { ...jobFacts, errorCode: job.errorCode ?? job.status })) ? 'failed' : 'taken';
  }

  const detail = await lab.jobs.detail(job.id);
  const outputs = (detail?.outputs ?? []).filter((a) => a.role === 'output' && (a.kind === 'image' || a.kind === 'audio'));
  if (outputs.length === 0) {
    const message = `Media Lab job ${job.id} (${job.workflow}) finished without an image or audio output: check the preset's output node.`;
    return (await failPrompt(deps, row, message, jobFacts)) ? 'failed' : 'taken';
  }
  const artifacts: NewPromptArtifact[] = [];
  for (const output of outputs) artifacts.push(...(await publishOutput({ ...deps, log }, job, output)));

  const marker = claimMarkerOf(row, options);
  const durationSeconds = secondsSince(marker?.claimedAt);
  const primary = artifacts[0];
  const summary = compact({
    ...jobFacts,
    count: outputs.length,
    primary: primary.filePath,
    primaryPreview: primary.previewPath,
    files: artifacts.filter((a) => a.artifactType === 'image' || a.artifactType === 'audio').map((a) => a.filePath),
    claimedAt: marker?.claimedAt,
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
  });
  if (!(await writeOutcome(deps, row, { summary, durationSeconds }, artifacts))) return 'taken';
  log.info(
    { outcome: 'completed', backend: job.backend ?? undefined, comfyPromptId: jobFacts.comfyPromptId, durationSeconds, jobDurations: jobFacts.durations },
    `prompt ${id} completed in ${durationSeconds.toFixed(1)} s by job ${job.id}${job.backend ? ` on ${job.backend}` : ''}: ` +
      artifacts.map((a) => `${a.artifactType} ${deps.media.pathOf(a.filePath)}`).join(', '),
  );
  return 'completed';
}
