// A stand-in for the worker's ExecutorContext: real directories, recorded progress, outputs
// and checkpoints, and a JSON round trip on checkpoints as the database would do.
import { mkdtemp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Artifact, ExecutorContext, Job, JsonObject, OutputSpec, ProgressUpdate } from '../../../plugin/core/types.js';
import { probeMedia } from '../../../plugin/media/ffprobe.js';
import { runningJob } from '../../helpers/running-job.js';
import { inputArtifact } from '../../helpers/input-artifact.js';
import type { InterpolateParams } from '../../../plugin/pipelines/interpolate/index.js';
import { sha256File } from './tools.js';

export interface RecordedOutput {
  spec: OutputSpec;
  artifact: Artifact;
  /** Where the fake "storage" moved the file. */
  storedPath: string;
}

export interface FakeRun {
  ctx: ExecutorContext<InterpolateParams>;
  controller: AbortController;
  progress: ProgressUpdate[];
  outputs: RecordedOutput[];
  checkpoints: JsonObject[];
  logs: string[];
  /** Removes the attempt's temp dir, as the worker does after each attempt. */
  endAttempt(): Promise<void>;
}

/** An Artifact row for a file, with the metadata the upload route records for videos. */
export async function videoArtifact(path: string): Promise<Artifact> {
  const probe = await probeMedia(path);
  const v = probe.video;
  return inputArtifact({
    id: `art-${randomUUID()}`,
    kind: v ? 'video' : 'audio',
    storageKey: basename(path),
    sha256: await sha256File(path),
    mime: 'video/mp4',
    width: v?.width ?? null,
    height: v?.height ?? null,
    duration: v?.duration ?? probe.duration,
    fps: v?.fps ?? null,
    metadata: {
      video: v ? { codec: v.codec, frameCount: v.frameCount, variableFrameRate: v.variableFrameRate, rateFraction: v.rateFraction, pixFmt: v.pixFmt } : null,
      audioStreams: probe.audio.map((a) => ({ codec: a.codec, sampleRate: a.sampleRate, channels: a.channels })),
      subtitleStreams: probe.subtitleStreams,
    },
  });
}

/** A bare Artifact row for pure validation tests. */
export function artifactRow(fields: Partial<Artifact> & { metadata?: JsonObject }): Artifact {
  return inputArtifact({
    id: 'art-1',
    kind: 'video',
    storageKey: 'x',
    sha256: 'x',
    bytes: 1,
    mime: 'video/mp4',
    width: 1280,
    height: 720,
    duration: 5,
    fps: 60,
    ...fields,
    metadata: fields.metadata ?? {},
  });
}

export interface FakeRunOptions {
  inputPath: string;
  artifact: Artifact;
  params: InterpolateParams;
  /** Shared across attempts of one job. */
  workDir: string;
  /** Where outputs are "stored" (the core would move them into content-addressed storage). */
  storeDir: string;
  checkpoint?: JsonObject;
  laneConcurrency?: number;
  onCheckpoint?(state: JsonObject, run: FakeRun): void;
}

export async function makeJobDirs(): Promise<{ root: string; workDir: string; storeDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'media-lab-interp-job-'));
  const workDir = join(root, 'work');
  const storeDir = join(root, 'store');
  await mkdir(workDir);
  await mkdir(storeDir);
  return { root, workDir, storeDir };
}

export async function fakeRun(options: FakeRunOptions): Promise<FakeRun> {
  const tempDir = await mkdtemp(join(tmpdir(), 'media-lab-interp-attempt-'));
  const controller = new AbortController();
  const job: Job = runningJob({
    id: 'job-1',
    workflow: 'interpolate',
    params: { ...options.params },
    inputIds: [options.artifact.id],
    submittedBy: 'tester',
    checkpoint: options.checkpoint ?? {},
  });
  const run: FakeRun = {
    controller,
    progress: [],
    outputs: [],
    checkpoints: [],
    logs: [],
    endAttempt: () => rm(tempDir, { recursive: true, force: true }),
    ctx: {
      job,
      params: options.params,
      inputs: [options.artifact],
      inputPath: () => options.inputPath,
      signal: controller.signal,
      progress: (update) => run.progress.push(update),
      addOutput: async (spec) => {
        const storedPath = join(options.storeDir, `${randomUUID()}-${basename(spec.path)}`);
        await rename(spec.path, storedPath);
        const artifact: Artifact = {
          ...options.artifact,
          id: `out-${run.outputs.length + 1}`,
          jobId: job.id,
          role: spec.role ?? 'output',
          kind: spec.facts.kind,
          mime: spec.facts.mime,
          width: spec.facts.width ?? null,
          height: spec.facts.height ?? null,
          duration: spec.facts.duration ?? null,
          fps: spec.facts.fps ?? null,
          metadata: { ...(spec.facts.metadata ?? {}), ...(spec.metadata ?? {}) },
          parentIds: spec.parentIds ?? job.inputIds,
          published: false,
        };
        run.outputs.push({ spec, artifact, storedPath });
        return artifact;
      },
      tempDir,
      workDir: options.workDir,
      saveCheckpoint: async (state) => {
        const stored = JSON.parse(JSON.stringify(state)) as JsonObject;
        job.checkpoint = stored;
        run.checkpoints.push(stored);
        options.onCheckpoint?.(stored, run);
      },
      setBackend: async () => undefined,
      laneConcurrency: options.laneConcurrency ?? 2,
      log: (message, details) => run.logs.push(`${message}${details ? ` ${JSON.stringify(details)}` : ''}`),
    },
  };
  return run;
}

/** Files under a directory, recursively (relative paths). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1));
}
