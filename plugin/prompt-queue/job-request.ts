// Turns a host prompt into a Media Lab job request: the workflow from its type, the preset from
// the type mapping (or the prompt's metadata), the prompt text as the preset's text parameter.
// The prompt's metadata may carry `{ "preset": "name" | { "name", "version" }, "params": {...} }`
// (over the adapter's defaultParams for the type); other keys are the host's own and are ignored.
import { z } from 'zod';
import type { JobWorkflow, JsonObject } from '../core/types.js';
import { presetRequestSchema } from '../../contract/requests.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { WORKFLOW_OF_TYPE, isMediaPromptType, type PromptQueueOptions } from './options.js';
import { parseJsonText } from './prompt-rows.js';
import type { PromptRow } from './host-row.js';

export interface JobRequest {
  /** The type's kind, or `chain` when the type is mapped to a chain preset (options.chains). */
  workflow: JobWorkflow;
  preset?: string | { name: string; version?: number };
  params: JsonObject;
}

/**
 * Where the request's preset comes from: the prompt's own metadata (its problem when it does not
 * exist), the adapter's type mapping, or the kind's default (configuration: not the prompt's fault).
 */
export type PresetSource = 'prompt' | 'mapping' | 'default';

export type JobRequestResult = { ok: true; request: JobRequest; presetSource: PresetSource } | { ok: false; error: string };

const promptMetadataSchema = z.looseObject({
  preset: presetRequestSchema.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});

export function jobRequestOf(row: PromptRow, options: PromptQueueOptions): JobRequestResult {
  const { columns: c } = options;
  const type = row[c.promptType];
  if (!isMediaPromptType(type)) return { ok: false, error: `Prompt type "${String(type)}" is not one Media Lab makes media for.` };

  const raw = row[c.metadata];
  const parsed = parseJsonText(raw);
  if (parsed === undefined) return { ok: false, error: `Invalid prompt metadata: it is not valid JSON (${String(raw).slice(0, 80)}).` };
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    return { ok: false, error: 'Invalid prompt metadata: expected a JSON object such as {"preset": "name", "params": {...}}.' };
  }
  const metadata = promptMetadataSchema.safeParse(parsed ?? {});
  if (!metadata.success) {
    const issues = zodIssues(metadata.error, ['metadata']).map((i) => `${i.field}: ${i.message}`);
    return { ok: false, error: `Invalid prompt metadata: ${issues.join('; ')}.` };
  }

  const textParam = options.promptParams[type];
  const params = { ...options.defaultParams[type], ...(metadata.data.params ?? {}) } as JsonObject;
  const text = typeof row[c.promptText] === 'string' ? (row[c.promptText] as string).trim() : '';
  if (params[textParam] === undefined) {
    if (!text) return { ok: false, error: `The prompt text is empty: an ${type} prompt needs text describing what to make.` };
    params[textParam] = text;
  }
  const chain = metadata.data.preset ? null : options.chains[type];
  if (chain) return { ok: true, request: { workflow: 'chain', preset: chain, params }, presetSource: 'mapping' };
  const preset = metadata.data.preset ?? options.presets[type] ?? undefined;
  const presetSource: PresetSource = metadata.data.preset ? 'prompt' : preset ? 'mapping' : 'default';
  return { ok: true, request: { workflow: WORKFLOW_OF_TYPE[type], ...(preset ? { preset } : {}), params }, presetSource };
}
