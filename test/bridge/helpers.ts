// Shared test helpers: an SQLite database with Media Lab's migrations, a stand-in for the job
// core's ExecutorContext (files, checkpoint, progress, outputs kept in memory), artifacts made
// from fixture files, and polling.
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { migrateLatest } from '../../plugin/db/migrate.js';
import { mediaColumns } from '../../plugin/artifacts/store.js';
import { runningJob } from '../helpers/running-job.js';
import { inputArtifact } from '../helpers/input-artifact.js';
import type { Artifact, ExecutorContext, Job, JsonObject, MediaKind, OutputSpec, ProgressUpdate } from '../../plugin/core/types.js';

export const FIXTURES = fileURLToPath(new URL('../fake-comfy/fixtures/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function tempDir(prefix = 'medialab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function createTestDb(): Promise<{ knex: Knex; dir: string; destroy(): Promise<void> }> {
  const dir = tempDir('medialab-db-');
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: join(dir, 'test.sqlite') }, useNullAsDefault: true });
  await migrateLatest(knex);
  return {
    knex,
    dir,
    async destroy() {
      await knex.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const value = await check();
        if (value) return resolve(value);
      } catch (error) {
        return reject(error);
      }
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, everyMs);
    };
    void tick();
  });
}

const MIME_BY_EXT: Record<string, [MediaKind, string]> = {
  png: ['image', 'image/png'],
  wav: ['audio', 'audio/wav'],
  flac: ['audio', 'audio/flac'],
};

/** An input artifact backed by a copy of a fixture (or any file). */
export function artifactFrom(path: string, dir: string): { artifact: Artifact; path: string } {
  const bytes = readFileSync(path);
  const ext = path.split('.').pop() as string;
  const [kind, mime] = MIME_BY_EXT[ext];
  const copy = join(dir, `${randomUUID()}.${ext}`);
  copyFileSync(path, copy);
  return {
    path: copy,
    artifact: inputArtifact({
      kind,
      storageKey: copy,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      mime,
      published: false,
      createdBy: 'test',
    }),
  };
}

export function makeJob(overrides: Partial<Job> = {}): Job {
  return runningJob(overrides);
}

export interface RecordedOutput {
  artifact: Artifact;
  spec: OutputSpec;
  path: string;
}

export interface TestContext {
  ctx: ExecutorContext;
  controller: AbortController;
  progress: ProgressUpdate[];
  outputs: RecordedOutput[];
  backends: Array<string | null>;
  checkpoints: JsonObject[];
  logs: string[];
  dir: string;
}

/** An ExecutorContext like the job core's: outputs are moved out of tempDir into `dir/outputs`. */
export function makeContext(job: Job, inputs: Array<{ artifact: Artifact; path: string }> = [], dir = tempDir()): TestContext {
  const controller = new AbortController();
  const attemptDir = join(dir, `attempt-${randomUUID()}`);
  const outDir = join(dir, 'outputs');
  mkdirSync(attemptDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const progress: ProgressUpdate[] = [];
  const outputs: RecordedOutput[] = [];
  const backends: Array<string | null> = [];
  const checkpoints: JsonObject[] = [];
  const logs: string[] = [];
  const ctx: ExecutorContext = {
    job,
    params: job.params,
    inputs: inputs.map((i) => i.artifact),
    inputPath: (artifact) => {
      const found = inputs.find((i) => i.artifact.id === artifact.id);
      if (!found) throw new Error(`no file for ${artifact.id}`);
      return found.path;
    },
    signal: controller.signal,
    progress: (update) => progress.push(update),
    async addOutput(spec) {
      const bytes = readFileSync(spec.path);
      const target = join(outDir, `${randomUUID()}-${spec.path.split('/').pop()}`);
      renameSync(spec.path, target);
      const artifact: Artifact = {
        id: randomUUID(),
        jobId: job.id,
        role: spec.role ?? 'output',
        ...mediaColumns(spec.facts),
        storageKey: target,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: statSync(target).size,
        metadata: spec.metadata ?? {},
        parentIds: spec.parentIds ?? job.inputIds,
        published: false,
        createdBy: job.submittedBy,
        createdAt: new Date().toISOString(),
      };
      outputs.push({ artifact, spec, path: target });
      return artifact;
    },
    tempDir: attemptDir,
    workDir: join(dir, 'work'),
    async saveCheckpoint(state) {
      checkpoints.push(state);
      job.checkpoint = state;
    },
    async setBackend(name) {
      backends.push(name);
      job.backend = name;
    },
    laneConcurrency: 2,
    log: (message) => logs.push(message),
  };
  return { ctx, controller, progress, outputs, backends, checkpoints, logs, dir };
}
