// An Artifact row as the upload route records one, for tests and benches that hand inputs to
// executors directly. Defaults describe an empty PNG upload; callers override what they know.
import { randomUUID } from 'node:crypto';
import type { Artifact } from '../../plugin/core/types.js';

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
