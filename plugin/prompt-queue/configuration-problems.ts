// Which failures are configuration, not the prompt's fault: a mapped preset that does not exist,
// a preset the backends cannot run (missing node or model), no backend that could take the job,
// a kind whose pipeline is not installed. Such a prompt goes back to pending and its type pauses.
// A prompt that chose its own preset, or set the parameter that does not fit, fails as before.
import type { Job, JsonObject } from '../core/types.js';
import type { FieldIssue } from '../core/errors.js';
import { WORKFLOW_OF_TYPE, type MediaPromptType } from './options.js';
import type { JobRequest, PresetSource } from './job-request.js';
import type { PauseCause } from './pauses.js';

export interface ConfigurationProblem {
  cause: PauseCause;
  reason: string;
  preset: { name: string | null; hash?: string | null };
}

/** Error codes of a job that failed for its configuration, not its prompt. */
const CONFIGURATION_CODES = new Set(['PRESET_NOT_FOUND', 'PRESET_INVALID', 'EXECUTOR_UNAVAILABLE', 'COMFY_UNREACHABLE']);

function presetNameOf(request: JobRequest): string | null {
  if (!request.preset) return null;
  return typeof request.preset === 'string' ? request.preset : request.preset.name;
}

/** A submission refused with field issues: configuration when the issue is the mapped (or default) preset. */
export function submitProblem(type: MediaPromptType, request: JobRequest, presetSource: PresetSource, issues: FieldIssue[]): ConfigurationProblem | null {
  if (presetSource === 'prompt') return null;
  const issue = issues.find((i) => i.field === 'preset.name' || i.field === 'preset.version' || i.field === 'preset');
  if (!issue) return null;
  const name = presetNameOf(request);
  const advice = name ? `publish it or map ${type} to another preset` : `publish a ${WORKFLOW_OF_TYPE[type]} preset or map ${type} to one`;
  return { cause: 'preset', reason: `${issue.message} (${advice})`, preset: { name } };
}

/** A submission refused with an error code (not field issues). */
export function submitCodeProblem(request: JobRequest, presetSource: PresetSource, code: string | undefined, message: string): ConfigurationProblem | null {
  if (presetSource === 'prompt' || !code || !CONFIGURATION_CODES.has(code)) return null;
  return { cause: 'unrunnable', reason: `${message} [${code}]`, preset: { name: presetNameOf(request) } };
}

/** Parameters the prompt itself set (its metadata's `params`). */
function ownParams(metadata: unknown): string[] {
  const params = metadata && typeof metadata === 'object' ? (metadata as { params?: unknown }).params : undefined;
  return params && typeof params === 'object' && !Array.isArray(params) ? Object.keys(params as JsonObject) : [];
}

/** A job that FAILED: configuration when its code says so and nothing the prompt chose caused it. */
export function jobProblem(job: Job, request: JobRequest, presetSource: PresetSource, promptMetadata: unknown): ConfigurationProblem | null {
  if (job.status !== 'FAILED' || !job.errorCode || !CONFIGURATION_CODES.has(job.errorCode) || presetSource === 'prompt') return null;
  const message = job.errorMessage ?? job.errorCode;
  // `node 4 (CheckpointLoader) input "ckpt_name" [parameter "model"]: ... is not available`: the prompt's own choice.
  const own = ownParams(promptMetadata);
  for (const match of message.matchAll(/\[parameter "([^"]+)"\]/g)) if (own.includes(match[1])) return null;
  const advice =
    job.errorCode === 'COMFY_UNREACHABLE'
      ? 'check the ComfyUI backends'
      : job.errorCode === 'EXECUTOR_UNAVAILABLE'
        ? `install the ${job.workflow} pipeline on this server`
        : 'install the missing nodes or models on the ComfyUI server, or publish a fixed version of the preset';
  return {
    cause: job.errorCode === 'PRESET_NOT_FOUND' ? 'preset' : 'unrunnable',
    reason: `${message} [${job.errorCode}] (${advice})`,
    preset: { name: job.preset?.name ?? presetNameOf(request), hash: job.preset?.hash ?? null },
  };
}
