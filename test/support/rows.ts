// Rows as the job core would hand them to an executor, for tests and benches that call
// executors directly, without the worker: a running Job, input Artifacts (bare, from a file,
// from a probed video).
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Artifact, Job, JsonObject, MediaKind } from '../../plugin/core/types.js';
import { probeMedia } from '../../plugin/media/ffprobe.js';
import { sha256File } from './files.js';

/** A Job as an executor sees it mid-run: claimed, leased, first attempt. */
export function runningJob(overrides: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    workflow: 'generate',
    preset: null,
    params: {},
    inputIds: [],
    status: 'RUNNING',
    progress: 0,
    stage: null,
    priority: 0,
    attempts: 1,
    maxAttempts: 3,
    runAfter: now,
    leaseOwner: 'test',
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    errorCode: null,
    errorMessage: null,
    submittedBy: 'admin',
    idempotencyKey: null,
    source: 'lab',
    sourceRef: null,
    backend: null,
    checkpoint: {},
    parentJobId: null,
    stepId: null,
    reusedFromJobId: null,
    lane: null,
    runKey: null,
    outputRole: null,
    createdAt: now,
    startedAt: now,
    finishedAt: null,
    updatedAt: now,
    ...overrides,
  };
}

/** An Artifact row as the upload route records one; defaults describe an empty PNG upload. */
export function inputArtifact(overrides: Partial<Artifact> = {}): Artifact {
  return {
    id: randomUUID(),
    jobId: null,
    role: 'input',
    kind: 'image',
    storageKey: 'fake',
    sha256: '0'.repeat(64),
    bytes: 0,
    mime: 'image/png',
    width: null,
    height: null,
    duration: null,
    fps: null,
    sampleRate: null,
    metadata: {},
    parentIds: [],
    published: true,
    createdBy: 'tester',
    createdAt: new Date().toISOString(),
    ...overrides,
  };
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

const MIME_BY_EXT: Record<string, [MediaKind, string]> = {
  png: ['image', 'image/png'],
  wav: ['audio', 'audio/wav'],
  flac: ['audio', 'audio/flac'],
};

/** An input artifact backed by a copy (in `dir`) of a fixture or any PNG/WAV/FLAC file. */
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
