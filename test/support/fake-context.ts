// A stand-in for the worker's ExecutorContext, for tests and benches that run an executor
// without the job core: real folders, an AbortController the test drives, and everything the
// executor reports recorded (progress, outputs, checkpoints, backends, log lines).
//
// Like the worker: each attempt gets its own temp folder (endAttempt() removes it); workDir is
// shared by the attempts of one job; a checkpoint goes through a JSON round trip as it would
// through the database; addOutput moves the file out of the temp folder into storeDir (or, with
// storeDir: null, leaves it where the executor wrote it) and answers an Artifact row whose
// metadata is the facts' metadata plus the output's own.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Artifact, ExecutorContext, Job, JsonObject, OutputSpec, ProgressUpdate } from '../../plugin/core/types.js';
import { mediaColumns } from '../../plugin/artifacts/store.js';
import { runningJob } from './rows.js';
import { tempDir } from './files.js';

export interface FakeInput {
  artifact: Artifact;
  /** The file the executor reads for it. */
  path: string;
}

export interface RecordedOutput {
  spec: OutputSpec;
  artifact: Artifact;
  /** Where the file is now (in storeDir, or where the executor wrote it). */
  path: string;
}

export interface FakeContextOptions<P> {
  /** The executor's parameters (also the job's params unless `job.params` says otherwise). */
  params?: P;
  /** Fields of the running job (id, workflow, preset, checkpoint...). */
  job?: Partial<Job>;
  inputs?: FakeInput[];
  /** The folder that holds what this context makes (default: a new temp folder). */
  root?: string;
  /** Shared by the attempts of one job (default: root/work). */
  workDir?: string;
  /** Where outputs are "stored" (default: root/outputs); null leaves them where they were written. */
  storeDir?: string | null;
  /** Lane concurrency the executor is told (default 2). */
  laneConcurrency?: number;
  /** Called after each saved checkpoint (already round-tripped through JSON). */
  onCheckpoint?(state: JsonObject, run: FakeRun<NoInfer<P>>): void;
}

export interface FakeRun<P = JsonObject> {
  ctx: ExecutorContext<P>;
  controller: AbortController;
  progress: ProgressUpdate[];
  outputs: RecordedOutput[];
  checkpoints: JsonObject[];
  backends: Array<string | null>;
  logs: string[];
  root: string;
  /** Removes the attempt's temp folder, as the worker does after each attempt. */
  endAttempt(): Promise<void>;
  /** Removes everything this context made (temp folder and `root`). */
  cleanup(): Promise<void>;
}

export function fakeContext<const P = JsonObject>(options: FakeContextOptions<P> = {}): FakeRun<P> {
  const root = options.root ?? tempDir('media-lab-fake-ctx-');
  const attemptDir = mkdtempSync(join(tmpdir(), 'media-lab-attempt-'));
  const workDir = options.workDir ?? join(root, 'work');
  const storeDir = options.storeDir === undefined ? join(root, 'outputs') : options.storeDir;
  mkdirSync(workDir, { recursive: true });
  if (storeDir) mkdirSync(storeDir, { recursive: true });
  const inputs = options.inputs ?? [];
  const job: Job = runningJob({
    params: (options.params ?? {}) as JsonObject,
    inputIds: inputs.map((i) => i.artifact.id),
    ...options.job,
  });
  const controller = new AbortController();
  const run: FakeRun<P> = {
    controller,
    progress: [],
    outputs: [],
    checkpoints: [],
    backends: [],
    logs: [],
    root,
    endAttempt: async () => rmSync(attemptDir, { recursive: true, force: true }),
    async cleanup() {
      rmSync(attemptDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    },
    ctx: {
      job,
      params: (options.params ?? job.params) as P,
      inputs: inputs.map((i) => i.artifact),
      inputPath: (artifact) => {
        const found = inputs.find((i) => i.artifact.id === artifact.id);
        if (!found) throw new Error(`no file for artifact ${artifact.id}`);
        return found.path;
      },
      signal: controller.signal,
      progress: (update) => run.progress.push(update),
      async addOutput(spec) {
        const bytes = readFileSync(spec.path);
        const path = storeDir ? join(storeDir, `${randomUUID()}-${basename(spec.path)}`) : spec.path;
        if (storeDir) renameSync(spec.path, path);
        const artifact: Artifact = {
          id: `out-${run.outputs.length + 1}`,
          jobId: job.id,
          role: spec.role ?? 'output',
          ...mediaColumns(spec.facts),
          storageKey: path,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          bytes: bytes.length,
          metadata: { ...(spec.facts.metadata ?? {}), ...(spec.metadata ?? {}) },
          parentIds: spec.parentIds ?? job.inputIds,
          published: false,
          createdBy: job.submittedBy,
          createdAt: new Date().toISOString(),
        };
        run.outputs.push({ spec, artifact, path });
        return artifact;
      },
      tempDir: attemptDir,
      workDir,
      async saveCheckpoint(state) {
        const stored = JSON.parse(JSON.stringify(state)) as JsonObject;
        job.checkpoint = stored;
        run.checkpoints.push(stored);
        options.onCheckpoint?.(stored, run);
      },
      async setBackend(name) {
        run.backends.push(name);
        job.backend = name;
      },
      laneConcurrency: options.laneConcurrency ?? 2,
      log: (message, details) => run.logs.push(`${message}${details ? ` ${JSON.stringify(details)}` : ''}`),
      bindLog: () => undefined,
    },
  };
  return run;
}

/** Folders for one job run over several attempts: `workDir` (shared) and `storeDir` (outputs). */
export async function makeJobDirs(): Promise<{ root: string; workDir: string; storeDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'media-lab-job-'));
  const workDir = join(root, 'work');
  const storeDir = join(root, 'store');
  await mkdir(workDir);
  await mkdir(storeDir);
  return { root, workDir, storeDir };
}
