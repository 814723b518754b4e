// The artifact vocabulary: what kind of media a file is and what part it plays in a job. No
// imports: the browser bundle reads it.

export const MEDIA_KINDS = ['image', 'video', 'audio'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const ARTIFACT_ROLES = ['input', 'output', 'intermediate', 'preview'] as const;
export type ArtifactRole = (typeof ARTIFACT_ROLES)[number];
