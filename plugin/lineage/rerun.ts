// Making an artifact again, as a new job through the same submit path as POST /jobs (validation,
// quotas, audit):
//   refresh:   a stale artifact with the current preset version and model, same params and inputs;
//   reproduce: the recorded job as it ran (pinned preset version and hash, recorded params with
//              their seed, the same input artifacts). Deterministic kinds give the same bytes.
// Both start from the artifact's root job: the job that made it, or, for a chain step, the chain
// job above it (parent_job_id), so a chain artifact refreshes or reproduces its whole chain and
// on refresh the chain's reuse rule skips the steps that are still current; reproduce runs every
// step again (reuse: false) so the bytes are really made a second time.
import type { Knex } from 'knex';
import { MediaLabError } from '../core/errors.js';
import type { Artifact, Job, JsonObject, StaleReason, User } from '../core/types.js';
import { chainPlaces, getJob } from '../jobs/store.js';
import { insertEvent } from '../jobs/events-store.js';
import type { JobService } from '../jobs/service.js';
import type { Staleness } from './staleness.js';

export type RerunKind = 'refresh' | 'reproduce';

export interface Rerun {
  job: Job;
  /** The job it was made from (the root job of the artifact). */
  from: Job;
  /** Why it was stale (refresh only). */
  reason: StaleReason | null;
}

export class Reruns {
  constructor(
    private readonly knex: Knex,
    private readonly jobs: JobService,
    private readonly staleness: Staleness,
  ) {}

  /** A stale artifact made again with the current preset version and model. 409 NOT_STALE when it is current. */
  async refresh(user: User, artifact: Artifact): Promise<Rerun> {
    const reason = await this.staleness.ofArtifact(artifact);
    if (!reason) {
      throw new MediaLabError('NOT_STALE', `Artifact ${artifact.id} is up to date: ${artifact.jobId ? 'the preset version and model its job ran with are current' : 'it is an upload'}; nothing to refresh.`);
    }
    const from = await this.rootJob(artifact);
    const job = await this.submit(user, from, 'refresh', artifact, reason);
    return { job, from, reason };
  }

  /** The recorded job run again as recorded. 409 NOT_REPRODUCIBLE for an upload or a changed model. */
  async reproduce(user: User, artifact: Artifact): Promise<Rerun> {
    if (!artifact.jobId) throw new MediaLabError('NOT_REPRODUCIBLE', `Artifact ${artifact.id} is an upload: it was not made by a job, so there is nothing to run again.`);
    const reason = await this.staleness.ofArtifact(artifact);
    if (reason?.code === 'MODEL_CHANGED') {
      throw new MediaLabError('NOT_REPRODUCIBLE', `Artifact ${artifact.id} cannot be reproduced as recorded: ${reason.message}. Refresh it to make it with the current model.`);
    }
    const from = await this.rootJob(artifact);
    const job = await this.submit(user, from, 'reproduce', artifact, null);
    return { job, from, reason: null };
  }

  /** The job that made the artifact, or the chain job above it. */
  private async rootJob(artifact: Artifact): Promise<Job> {
    const made = artifact.jobId ? await getJob(this.knex, artifact.jobId) : null;
    if (!made) throw new MediaLabError('NOT_REPRODUCIBLE', `The job that made artifact ${artifact.id} is gone.`);
    let job: Job = made;
    for (let depth = 0; depth < 8; depth++) {
      const parentId: string | null = (await chainPlaces(this.knex, [job.id])).get(job.id)?.parentJobId ?? null;
      const parent: Job | null = parentId ? await getJob(this.knex, parentId) : null;
      if (!parent) break;
      job = parent;
    }
    return job;
  }

  private async submit(user: User, from: Job, kind: RerunKind, artifact: Artifact, reason: StaleReason | null): Promise<Job> {
    const preset = from.preset ? { name: from.preset.name, ...versionFor(kind, from, reason) } : undefined;
    // A chain job records its media inputs twice: by name in params (when given so) and in
    // inputIds; only those not named go back as `inputs`, or the chain would find one too many.
    const named = new Set(Object.values(from.params).filter((v): v is string => typeof v === 'string'));
    const body = {
      workflow: from.workflow,
      ...(preset ? { preset } : {}),
      params: from.params,
      inputs: from.workflow === 'chain' ? from.inputIds.filter((id) => !named.has(id)) : from.inputIds,
      priority: from.priority,
      maxAttempts: from.maxAttempts,
    };
    // Preset versions are immutable (name + version -> one hash), so a pinned version is the recorded one.
    // Reproduce makes every step again (a chain would otherwise reuse the recorded outputs).
    const { job } = await this.jobs.submit(user, body, kind === 'reproduce' ? { reuse: false } : {});
    const details: JsonObject = { artifactId: artifact.id, fromJobId: from.id, ...(reason ? { reason: reason.message, code: reason.code } : {}) };
    await insertEvent(this.knex, { jobId: job.id, actor: user.id, type: kind === 'refresh' ? 'refresh-of' : 'reproduce-of', from: null, to: null, details });
    return job;
  }
}

/**
 * Reproduce pins the recorded version. Refresh takes the newest version when its own preset was
 * superseded (the version the staleness rule compared with, which every process reads from the
 * preset table), and otherwise the preset's current one (a chain job: its steps follow theirs).
 */
function versionFor(kind: RerunKind, from: Job, reason: StaleReason | null): { version?: number } {
  if (kind === 'reproduce') return from.preset?.version != null ? { version: from.preset.version } : {};
  const newest = reason?.code === 'PRESET_SUPERSEDED' && reason.jobId === from.id ? /^v(\d+)$/.exec(reason.current ?? '') : null;
  return newest ? { version: Number(newest[1]) } : {};
}
