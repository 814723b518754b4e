// Which frame-interpolation model made an output (recorded in its metadata, shown in provenance)
// and whether that is still the model mode "model" runs: another file configured, or the same
// file with other bytes, makes the output stale (lineage's MODEL_CHANGED).
import { existsSync } from 'node:fs';
import type { JsonObject, StaleCheck, StaleReason } from '../../core/types.js';
import { FileHashes } from '../../media/file-hashes.js';
import type { InterpolateOptions, ModelOptions } from './options.js';
import { modelName } from './engines/model/onnx-interpolator.js';

const hashes = new FileHashes();

/** The `model` entry of an output's metadata: name, file, sha256 and size of the ONNX file. */
export async function modelIdentity(model: ModelOptions): Promise<JsonObject> {
  const { sha256, bytes } = await hashes.of(model.file);
  return { role: 'interpolator', name: modelName(model), source: sourceOf(model), sha256, bytes };
}

const sourceOf = (model: ModelOptions) => `file:${model.file}`;

/** Model-mode jobs whose model is no longer the one configured, or whose file changed. */
export async function interpolateStaleness(options: InterpolateOptions, steps: StaleCheck[]): Promise<Map<string, StaleReason>> {
  const stale = new Map<string, StaleReason>();
  const current = options.model;
  // No model configured (or its file gone): mode "model" cannot run here, so nothing to compare.
  if (!current || !existsSync(current.file)) return stale;
  for (const { job, outputs } of steps) {
    if (job.params.mode !== 'model') continue;
    const recorded = outputs.map((o) => o.metadata.model).find((m): m is JsonObject => !!m && typeof m === 'object' && !Array.isArray(m));
    if (!recorded || typeof recorded.source !== 'string' || typeof recorded.sha256 !== 'string') continue;
    const name = typeof recorded.name === 'string' ? recorded.name : recorded.source;
    if (recorded.source !== sourceOf(current)) {
      stale.set(job.id, { code: 'MODEL_CHANGED', message: `mode "model" now runs ${modelName(current)} (${current.file}) instead of ${name}`, jobId: job.id, recorded: `${recorded.source} ${recorded.sha256}`, current: sourceOf(current) });
      continue;
    }
    const { sha256 } = await hashes.of(current.file);
    if (sha256 === recorded.sha256) continue;
    stale.set(job.id, {
      code: 'MODEL_CHANGED',
      message: `the interpolation model file (${name}) changed: sha256 ${recorded.sha256.slice(0, 12)} is now ${sha256.slice(0, 12)}`,
      jobId: job.id,
      recorded: `${recorded.source} ${recorded.sha256}`,
      current: `${recorded.source} ${sha256}`,
    });
  }
  return stale;
}
