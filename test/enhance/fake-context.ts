// A stand-in for the worker's ExecutorContext: temp folders, recorded progress and outputs, an
// AbortController the test drives. Outputs stay where the executor wrote them.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Artifact, ExecutorContext, Job, JsonObject, OutputSpec, ProgressUpdate } from '../../plugin/core/types.js';
import { runningJob } from '../helpers/running-job.js';
import { inputArtifact } from '../helpers/input-artifact.js';

export interface FakeContext<P> extends ExecutorContext<P> {
  abort: AbortController;
  progressUpdates: ProgressUpdate[];
  outputs: OutputSpec[];
  backends: Array<string | null>;
  logs: string[];
  cleanup(): Promise<void>;
}

export async function fakeContext<P>(params: P, inputFile: string, inputFacts: Partial<Artifact> = {}): Promise<FakeContext<P>> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'media-lab-enhance-test-'));
  const abort = new AbortController();
  const job = fakeJob(params as unknown as JsonObject);
  const input = fakeArtifact({ id: 'input-1', role: 'input', ...inputFacts });
  const ctx: FakeContext<P> = {
    job,
    params,
    inputs: [input],
    inputPath: (artifact) => {
      if (artifact.id !== input.id) throw new Error(`unknown artifact ${artifact.id}`);
      return inputFile;
    },
    signal: abort.signal,
    abort,
    progressUpdates: [],
    outputs: [],
    backends: [],
    logs: [],
    progress(update) {
      ctx.progressUpdates.push(update);
    },
    async addOutput(spec) {
      ctx.outputs.push(spec);
      return fakeArtifact({ id: `output-${ctx.outputs.length}`, role: spec.role ?? 'output', mime: spec.facts.mime, metadata: spec.metadata ?? {} });
    },
    tempDir: path.join(root, 'temp'),
    workDir: path.join(root, 'work'),
    async saveCheckpoint() {},
    async setBackend(name) {
      ctx.backends.push(name);
    },
    laneConcurrency: 1,
    log(message) {
      ctx.logs.push(message);
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
  await mkdir(ctx.tempDir, { recursive: true });
  await mkdir(ctx.workDir, { recursive: true });
  return ctx;
}

function fakeJob(params: JsonObject): Job {
  return runningJob({ id: `job-${Math.random().toString(36).slice(2, 10)}`, workflow: 'enhance', params, inputIds: ['input-1'] });
}

function fakeArtifact(overrides: Partial<Artifact>): Artifact {
  return inputArtifact({ id: 'artifact', createdBy: 'admin', ...overrides });
}
