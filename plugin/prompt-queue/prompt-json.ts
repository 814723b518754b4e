// Prompts and their artifacts as the API returns them. Keys use the adapter's canonical names
// (whatever the host's columns are called), so the <prompt-artifacts> widget works on any host.
import { extname } from 'node:path';
import type { JsonObject } from '../core/types.js';
import { toIsoOrNull } from '../core/time.js';
import type { PromptQueueOptions } from './options.js';
import { parseJsonText } from './prompt-rows.js';
import type { PromptRow } from './host-row.js';
import type { PromptArtifact } from './artifact-rows.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.flac': 'audio/flac',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4',
};

export function mimeOfPath(path: string): string {
  return MIME_BY_EXTENSION[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface PromptArtifactJson {
  id: number;
  prompt_id: string | number;
  artifact_type: PromptArtifact['artifactType'];
  mime: string;
  file_path: string;
  preview_path: string | null;
  /** Authenticated URL of the file (relative to the host's origin). */
  file_url: string;
  preview_url: string | null;
  metadata: JsonObject;
  created_at: string;
  updated_at: string;
}

export interface PromptJson {
  id: string | number;
  prompt_type: string;
  prompt_text: string | null;
  status: string | null;
  error_message: string | null;
  completed_at: string | null;
  processing_duration: number | null;
  metadata: unknown;
  artifact_status: string | null;
  artifact_metadata: unknown;
  /** Outputs (image/audio) only: the badge count. */
  artifact_count: number;
  /** Every row, outputs first in creation order, each preview row after its output. */
  artifacts: PromptArtifactJson[];
  /** Added by the routes: `paused: <why>` while the prompt waits and its type is held back; else null. */
  paused?: string | null;
}

export function artifactJson(artifact: PromptArtifact, options: PromptQueueOptions): PromptArtifactJson {
  const base = `${options.mountPath}/${encodeURIComponent(String(artifact.promptId))}/artifacts/${artifact.id}`;
  return {
    id: artifact.id,
    prompt_id: artifact.promptId,
    artifact_type: artifact.artifactType,
    mime: typeof artifact.metadata.mime === 'string' ? artifact.metadata.mime : mimeOfPath(artifact.filePath),
    file_path: artifact.filePath,
    preview_path: artifact.previewPath,
    file_url: `${base}/file`,
    preview_url: artifact.previewPath ? `${base}/preview` : null,
    metadata: artifact.metadata,
    created_at: artifact.createdAt,
    updated_at: artifact.updatedAt,
  };
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function jsonOrRaw(value: unknown): unknown {
  const parsed = parseJsonText(value);
  return parsed === undefined ? value : parsed;
}

export function promptJson(row: PromptRow, artifacts: PromptArtifact[], options: PromptQueueOptions): PromptJson {
  const c = options.columns;
  const text = (name: string) => (row[name] === null || row[name] === undefined ? null : String(row[name]));
  let completedAt: string | null = null;
  try {
    completedAt = toIsoOrNull(row[c.completedAt]);
  } catch {
    completedAt = text(c.completedAt); // a host format we do not parse: pass it through
  }
  return {
    id: row[c.id] as string | number,
    prompt_type: String(row[c.promptType]),
    prompt_text: text(c.promptText),
    status: text(c.status),
    error_message: text(c.errorMessage),
    completed_at: completedAt,
    processing_duration: numberOrNull(row[c.processingDuration]),
    metadata: jsonOrRaw(row[c.metadata]),
    artifact_status: text(c.artifactStatus),
    artifact_metadata: jsonOrRaw(row[c.artifactMetadata]),
    artifact_count: artifacts.filter((a) => a.artifactType === 'image' || a.artifactType === 'audio').length,
    artifacts: artifacts.map((a) => artifactJson(a, options)),
  };
}
