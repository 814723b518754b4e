// Runs the interpolate executor on a clip through the fake context, for integration tests.
import { rm } from 'node:fs/promises';
import type { JsonObject } from '../../plugin/core/types.js';
import { createInterpolateKind, type InterpolateOptionsInput, type InterpolateParams } from '../../plugin/pipelines/interpolate/index.js';
import { fakeContext, makeJobDirs, type FakeRun } from '../support/fake-context.js';
import { videoArtifact } from '../support/rows.js';

export interface JobRun {
  run: FakeRun;
  result: Awaited<ReturnType<NonNullable<ReturnType<typeof createInterpolateKind>['executor']>['run']>>;
  dirs: { root: string; workDir: string; storeDir: string };
}

/** Runs one attempt to success and returns what it recorded; removes the attempt's temp dir. */
export async function runToSuccess(clip: string, params: InterpolateParams, options: InterpolateOptionsInput = {}, lane = 2): Promise<JobRun> {
  const kind = createInterpolateKind(options);
  const dirs = await makeJobDirs();
  const run = fakeContext({ inputs: [{ path: clip, artifact: await videoArtifact(clip) }], params, ...dirs, laneConcurrency: lane });
  try {
    const result = await kind.executor!.run(run.ctx);
    return { run, result, dirs };
  } finally {
    await run.endAttempt();
  }
}

export function outputOf(job: JobRun, role: 'output' | 'preview' = 'output') {
  const found = job.run.outputs.find((o) => o.artifact.role === role);
  if (!found) throw new Error(`no ${role} output recorded`);
  return found;
}

export function metadataOf(job: JobRun): JsonObject {
  return outputOf(job).artifact.metadata;
}

export async function removeJob(job: JobRun | undefined): Promise<void> {
  if (job) await rm(job.dirs.root, { recursive: true, force: true });
}
