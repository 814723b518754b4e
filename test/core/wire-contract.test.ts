// The web components declare the API's JSON shapes on their own (web-components/api-types.ts:
// the UI bundle is built from that folder alone). This file ties those declarations to the
// server's: `npm test` type-checks it, so a field the server renames or retypes breaks the
// build here instead of a page in the browser.
import { strict as assert } from 'node:assert';
import type { Artifact, Job } from '../../plugin/core/types.js';
import { JOB_STATUSES, WORKFLOW_KINDS } from '../../plugin/core/types.js';
import type { JobProgressEvent } from '../../plugin/events/bus.js';
import type { artifactView } from '../../plugin/http/router.js';
import type { AuditEvent } from '../../plugin/jobs/events-store.js';
import type * as Wire from '../../web-components/api-types.js';
import type { AlertSocketMessage, LabAlert } from '../../contract/alerts.js';
import * as WireValues from '../../web-components/api-types.js';

/** Compiles only when a value of type `Sent` can be read as `Expected`. */
function fits<Sent extends Expected, Expected>(): void {}

type ArtifactView = ReturnType<typeof artifactView>;
type ProgressMessage = Extract<Wire.LabSocketMessage, { type: 'job.progress' }>;

// What the server sends fits what the UI reads.
fits<Job, Wire.Job>();
fits<ArtifactView, Wire.Artifact>();
fits<ArtifactView & { deduplicated: boolean }, Wire.UploadedArtifact>();
fits<Job & { inputs: ArtifactView[]; outputs: ArtifactView[] }, Wire.JobDetail>();
fits<ArtifactView & { lineage: ArtifactView[] }, Wire.ArtifactDetail>();
fits<AuditEvent, Wire.AuditEvent>();
fits<{ id: string; status: Job['status']; job: Job }, Wire.SubmitJobResponse>();
fits<{ type: 'job.progress' } & JobProgressEvent, ProgressMessage>();
fits<{ type: 'job.updated'; job: Job }, Wire.LabSocketMessage>();
fits<AlertSocketMessage, Wire.LabSocketMessage>();
fits<LabAlert, Wire.LabAlert>();
// And the UI's unions name nothing the server does not know.
fits<Wire.WorkflowKind, Job['workflow']>();
fits<Wire.JobStatus, Job['status']>();
fits<Wire.MediaKind, Artifact['kind']>();
fits<Wire.ArtifactRole, Artifact['role']>();

describe('wire contract between the server and the web components', () => {
  it('lists the same workflow kinds and job statuses, in the same order', () => {
    assert.deepEqual([...WireValues.WORKFLOW_KINDS], [...WORKFLOW_KINDS]);
    assert.deepEqual([...WireValues.JOB_STATUSES], [...JOB_STATUSES]);
  });
});
