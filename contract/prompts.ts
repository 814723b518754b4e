// The prompt-queue routes (host mount, default /api/prompts): a prompt's artifacts for the
// <prompt-artifacts> widget. Keys are the adapter's canonical snake_case names, whatever the
// host's columns are called.
import { z } from 'zod';
import { jsonObjectSchema } from './json.js';

export const PROMPT_ARTIFACT_STATUSES = ['pending', 'processing', 'ready', 'error'] as const;
export type PromptArtifactStatus = (typeof PROMPT_ARTIFACT_STATUSES)[number];

const promptId = z.union([z.string(), z.number()]);

/** One row of the host's prompt_artifacts table. */
export const promptArtifactSchema = z.strictObject({
  id: z.number().int(),
  prompt_id: promptId,
  /** Outputs are `image` and `audio`; `thumbnail` and `waveform` rows are their previews. */
  artifact_type: z.enum(['image', 'audio', 'thumbnail', 'waveform']),
  mime: z.string(),
  file_path: z.string(),
  preview_path: z.string().nullable(),
  /** Authenticated URL of the file (relative to the host's origin). */
  file_url: z.string(),
  preview_url: z.string().nullable(),
  metadata: jsonObjectSchema,
  created_at: z.string(),
  updated_at: z.string(),
});
export type PromptArtifact = z.infer<typeof promptArtifactSchema>;

/** GET <prompts mount>/:id/artifacts */
export const promptArtifactsSchema = z.strictObject({
  prompt_id: promptId,
  prompt_type: z.string(),
  /** The host's own prompt status. */
  status: z.string().nullable(),
  error_message: z.string().nullable(),
  artifact_status: z.enum(PROMPT_ARTIFACT_STATUSES).nullable(),
  /** Outputs only (image and audio rows): the number on the badge. */
  artifact_count: z.number().int(),
  /**
   * While the prompt waits and its type is held back by a configuration problem or no reachable
   * backend: `paused: <why and what to do>`; otherwise null.
   */
  paused: z.string().nullable(),
  artifacts: z.array(promptArtifactSchema),
});
export type PromptArtifacts = z.infer<typeof promptArtifactsSchema>;

/** GET <prompts mount>/:id: one prompt as the host stores it, with its artifacts. */
export const promptSchema = z.strictObject({
  id: promptId,
  prompt_type: z.string(),
  prompt_text: z.string().nullable(),
  status: z.string().nullable(),
  error_message: z.string().nullable(),
  completed_at: z.string().nullable(),
  processing_duration: z.number().nullable(),
  /** The host's metadata column, parsed when it holds JSON. */
  metadata: z.unknown(),
  artifact_status: z.string().nullable(),
  artifact_metadata: z.unknown(),
  artifact_count: z.number().int(),
  artifacts: z.array(promptArtifactSchema),
  paused: z.string().nullable(),
});
export type PromptAnswer = z.infer<typeof promptSchema>;

/** GET <prompts mount>/: the prompts this user may see, newest first; `paused` by prompt type. */
export const promptPageSchema = z.strictObject({
  items: z.array(promptSchema),
  nextCursor: z.string().nullable(),
  paused: z.record(z.string(), z.string()),
});
export type PromptPage = z.infer<typeof promptPageSchema>;
