// Which artifacts are stale, and why: their job ran with a preset version that a newer one has
// superseded, or with a model file that has changed since (each kind says how: its `staleness`).
//
// Computed when read, never stored. A stored mark would have to be set by everything that can
// make an artifact stale: a preset published through the API, a preset file hot-reloaded by any
// process, another server on the same database, and an operator replacing a model file on disk,
// which raises no event at all. Comparing what a job recorded (preset name/version, model hash)
// with what is current at the time of asking is never wrong across processes and needs no
// migration. Its cost is one grouped query on the preset table per page and a stat per model
// file (model hashes are cached by size and mtime).
import type { Knex } from 'knex';
import type { Artifact, Job, StaleCheck, StaleReason } from '../core/types.js';
import type { KindRegistry } from '../kinds/registry.js';
import { chainPlaces, getJobs, getJobsWithPlaces, stepsOfChains, type ChainPlace } from '../jobs/store.js';
import { listArtifacts, publishedOutputsOfJobs, type ArtifactFilters } from '../artifacts/store.js';

/** The chain jobs' own rule (ChainRegistry.staleness: a superseded chain preset version). */
export type ChainStalenessRule = (checks: StaleCheck[]) => Promise<Map<string, StaleReason>>;

export class Staleness {
  constructor(
    private readonly knex: Knex,
    private readonly kinds: KindRegistry,
    private readonly chainRule: ChainStalenessRule | null = null,
  ) {}

  /**
   * Stale reasons of these jobs' steps, by job id (fresh jobs are absent). A job is stale by its
   * own kind's rule; a chain step (parent_job_id) also when a step upstream of it in the same
   * chain is stale (the reason names that step: refresh regenerates from it), or when the chain
   * job itself is (its chain preset superseded, by the chain kind's rule).
   */
  async ofJobs(jobs: Job[], known?: Map<string, ChainPlace>): Promise<Map<string, StaleReason>> {
    const finished = jobs.filter((j) => j.status === 'SUCCEEDED');
    const stale = await this.ownReasons(finished);
    const places = known ?? (await chainPlaces(this.knex, finished.map((j) => j.id)));
    const chainOf = new Map([...places].filter(([, p]) => p.parentJobId).map(([id, p]) => [id, p.parentJobId as string]));
    if (chainOf.size === 0) return stale;
    const chainIds = [...new Set(chainOf.values())];

    // Upstream in the same chain: follow inputs to the sibling steps that made them.
    const siblings = (await stepsOfChains(this.knex, chainIds)).map((s) => s.job);
    const siblingReasons = await this.ownReasons(siblings.filter((j) => !stale.has(j.id)));
    for (const [id, reason] of stale) siblingReasons.set(id, reason);
    const madeBy = new Map((await publishedOutputsOfJobs(this.knex, siblings.map((j) => j.id))).map((a) => [a.id, a.jobId as string]));
    const byId = new Map(siblings.map((j) => [j.id, j]));
    for (const job of finished) {
      if (stale.has(job.id) || !chainOf.has(job.id)) continue;
      const upstream = nearestStaleUpstream(job, byId, madeBy, siblingReasons);
      if (upstream) stale.set(job.id, upstream);
    }

    // The chain job itself (a chain kind that reports staleness: its chain preset superseded).
    const chains = await this.ownReasons(await getJobs(this.knex, chainIds));
    for (const job of finished) {
      const reason = chains.get(chainOf.get(job.id) ?? '');
      if (reason && !stale.has(job.id)) stale.set(job.id, { ...reason, code: 'CHAIN_SUPERSEDED' });
    }
    return stale;
  }

  /** Stale reasons of artifacts, by artifact id: an artifact is stale when the job that made it is. */
  async ofArtifacts(artifacts: Artifact[]): Promise<Map<string, StaleReason>> {
    const jobIds = [...new Set(artifacts.map((a) => a.jobId).filter((id): id is string => !!id))];
    const { jobs, places } = await getJobsWithPlaces(this.knex, jobIds);
    const byJob = await this.ofJobs(jobs, places);
    const byArtifact = new Map<string, StaleReason>();
    for (const artifact of artifacts) {
      const reason = artifact.jobId ? byJob.get(artifact.jobId) : undefined;
      if (reason) byArtifact.set(artifact.id, reason);
    }
    return byArtifact;
  }

  async ofArtifact(artifact: Artifact): Promise<StaleReason | null> {
    return (await this.ofArtifacts([artifact])).get(artifact.id) ?? null;
  }

  /**
   * A gallery page of only stale (or only fresh) artifacts. Staleness is not a column, so pages
   * are read in batches and filtered; a scan stops after `maxScan` rows and answers a cursor at
   * the last row it read, so a long library is paged through, never read whole in one request.
   */
  async page(filters: ArtifactFilters, wantStale: boolean, page: { before?: string; limit: number }, maxScan = 2000): Promise<{ items: Artifact[]; reasons: Map<string, StaleReason>; nextCursor: string | null }> {
    const items: Artifact[] = [];
    const reasons = new Map<string, StaleReason>();
    const batchSize = Math.max(100, page.limit * 4);
    let before = page.before;
    let scanned = 0;
    for (;;) {
      const rows = await listArtifacts(this.knex, filters, { before, limit: batchSize });
      const stale = await this.ofArtifacts(rows);
      for (const row of rows) {
        if (stale.has(row.id) !== wantStale) continue;
        if (items.length === page.limit) return { items, reasons, nextCursor: items[items.length - 1]!.id };
        items.push(row);
        const reason = stale.get(row.id);
        if (reason) reasons.set(row.id, reason);
      }
      scanned += rows.length;
      if (rows.length < batchSize) return { items, reasons, nextCursor: null };
      before = rows[rows.length - 1]!.id;
      if (scanned >= maxScan) return { items, reasons, nextCursor: before };
    }
  }

  private async ownReasons(jobs: Job[]): Promise<Map<string, StaleReason>> {
    const stale = new Map<string, StaleReason>();
    const byWorkflow = new Map<string, Job[]>();
    for (const job of jobs) if (job.status === 'SUCCEEDED') byWorkflow.set(job.workflow, [...(byWorkflow.get(job.workflow) ?? []), job]);
    const chains = byWorkflow.get('chain');
    if (chains && this.chainRule) for (const [id, reason] of await this.chainRule(chains.map((job) => ({ job, outputs: [] })))) stale.set(id, reason);
    const checkable = [...byWorkflow.entries()].filter(([workflow]) => this.kinds.all().find((k) => k.kind === workflow)?.staleness);
    if (checkable.length === 0) return stale;
    const outputs = await publishedOutputsOfJobs(this.knex, checkable.flatMap(([, list]) => list.map((j) => j.id)));
    for (const [workflow, list] of checkable) {
      const kind = this.kinds.all().find((k) => k.kind === workflow)!;
      const checks: StaleCheck[] = list.map((job) => ({ job, outputs: outputs.filter((o) => o.jobId === job.id) }));
      for (const [id, reason] of await kind.staleness!(checks)) stale.set(id, reason);
    }
    return stale;
  }
}

/** Breadth-first up a chain's steps through the inputs they read: the nearest stale step's reason. */
function nearestStaleUpstream(job: Job, steps: Map<string, Job>, madeBy: Map<string, string>, reasons: Map<string, StaleReason>): StaleReason | null {
  const seen = new Set<string>([job.id]);
  let frontier = [job];
  while (frontier.length) {
    const next: Job[] = [];
    for (const step of frontier) {
      for (const input of step.inputIds) {
        const producer = madeBy.get(input);
        if (!producer || seen.has(producer)) continue;
        seen.add(producer);
        const reason = reasons.get(producer);
        if (reason) return reason;
        const upstream = steps.get(producer);
        if (upstream) next.push(upstream);
      }
    }
    frontier = next;
  }
  return null;
}
