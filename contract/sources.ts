// A host's own media offered as references: GET /sources, GET /sources/{name}/items,
// POST /sources/{name}/import. The host implements a MediaSource (plugin/sources/types.ts); these
// are the shapes on the wire.
import { z } from 'zod';
import { MEDIA_KINDS } from './media.js';

export const sourceInfoSchema = z.strictObject({
  /** Stable id of the source, used in the routes (`screenshots`). */
  name: z.string(),
  /** What the picker shows (`Wiki screenshots`). */
  label: z.string(),
});
export type SourceInfo = z.infer<typeof sourceInfoSchema>;

export const sourceListSchema = z.strictObject({ sources: z.array(sourceInfoSchema) });
export type SourceList = z.infer<typeof sourceListSchema>;

export const sourceItemSchema = z.strictObject({
  /** The host's id of the item; opaque to Media Lab (a relative path for a folder source). */
  id: z.string(),
  label: z.string(),
  kind: z.enum(MEDIA_KINDS).optional(),
  mime: z.string().optional(),
  bytes: z.number().int().optional(),
  modifiedAt: z.string().optional(),
});
export type SourceItem = z.infer<typeof sourceItemSchema>;

export const sourcePageSchema = z.strictObject({
  source: z.string(),
  query: z.string(),
  /** 1-based. */
  page: z.number().int(),
  items: z.array(sourceItemSchema),
  hasMore: z.boolean(),
  /** All matches, when the source knows. */
  total: z.number().int().optional(),
});
export type SourcePage = z.infer<typeof sourcePageSchema>;

/** POST /sources/{name}/import */
export const sourceImportRequestSchema = z.strictObject({ id: z.string().min(1).max(1000) });
export type SourceImportRequest = z.infer<typeof sourceImportRequestSchema>;

/** Where an imported artifact came from: its `metadata.source`. */
export const artifactSourceSchema = z.strictObject({ name: z.string(), label: z.string(), id: z.string(), importedAt: z.string(), importedBy: z.string() });
export type ArtifactSource = z.infer<typeof artifactSourceSchema>;
