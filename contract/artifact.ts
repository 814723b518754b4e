// An artifact as the API sends it: the stored record plus where to fetch its bytes and
// thumbnail. The server's Artifact adds the storage key, which stays on the server
// (plugin/http/views.ts's artifactView() drops it).
import { z } from 'zod';
import { ARTIFACT_ROLES, MEDIA_KINDS } from './media.js';
import { jsonObjectSchema } from './json.js';
import { staleReasonSchema } from './lineage.js';

const nullableNumber = z.number().nullable();

/** The stored fields every reader may see. */
export const artifactRecordSchema = z.strictObject({
  id: z.string(),
  jobId: z.string().nullable(),
  role: z.enum(ARTIFACT_ROLES),
  kind: z.enum(MEDIA_KINDS),
  sha256: z.string(),
  bytes: z.number().int(),
  mime: z.string(),
  width: nullableNumber,
  height: nullableNumber,
  duration: nullableNumber,
  fps: nullableNumber,
  sampleRate: nullableNumber,
  metadata: jsonObjectSchema,
  parentIds: z.array(z.string()),
  published: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});
export type ArtifactRecord = z.infer<typeof artifactRecordSchema>;

export const artifactSchema = artifactRecordSchema.extend({
  contentUrl: z.string(),
  /** A WebP thumbnail: an image scaled down, a video's poster, an audio clip's waveform (null from older servers). */
  thumbnailUrl: z.string().nullable(),
  /**
   * The job that made it ran with a preset version or model that has changed since (computed when
   * read; uploads are never stale). POST /artifacts/:id/refresh makes it again with the current one.
   */
  stale: z.boolean(),
  staleReason: staleReasonSchema.nullable(),
});
export type Artifact = z.infer<typeof artifactSchema>;

/** POST /uploads: 201 when stored, 200 (deduplicated) when the same bytes were uploaded before. */
export const uploadedArtifactSchema = artifactSchema.extend({ deduplicated: z.boolean() });
export type UploadedArtifact = z.infer<typeof uploadedArtifactSchema>;

/** GET /artifacts/:id: with its ancestors back to the uploaded sources, nearest first. */
export const artifactDetailSchema = artifactSchema.extend({ lineage: z.array(artifactSchema) });
export type ArtifactDetail = z.infer<typeof artifactDetailSchema>;
