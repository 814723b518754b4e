// GET /health: is the database answering, how deep is the queue, who is working, what can run,
// and which alerts stand (repeated failures: status 'degraded').
import type { Knex } from 'knex';
import { countByStatus, liveLeaseOwners } from '../jobs/store.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { LabAlert } from '../../contract/alerts.js';
import type { KindAvailability } from '../../contract/kinds.js';
import type { WorkflowKind } from '../core/types.js';

/** A kind's availability as /kinds and /health both say it (`waitStage` stays on the server). */
export function availabilityOf(kinds: KindRegistry, kind: WorkflowKind): KindAvailability {
  const { available, reason, fix } = kinds.readiness(kind);
  return { available, ...(available ? {} : { ...(reason ? { reason } : {}), ...(fix ? { fix } : {}) }) };
}

export interface HealthDeps {
  knex: Knex;
  kinds: KindRegistry;
  localWorker: () => { id: string; running: number } | null;
  extra?: () => Promise<Record<string, unknown>>;
  /** Standing alerts (repeated failures): while any stands, status is 'degraded'. */
  alerts?: () => LabAlert[];
}

export async function healthReport(deps: HealthDeps) {
  const started = Date.now();
  let database: { ok: boolean; latencyMs?: number; error?: string };
  try {
    await deps.knex.raw('select 1');
    database = { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    database = { ok: false, error: (error as Error).message };
  }
  const queue = database.ok ? await countByStatus(deps.knex) : null;
  const owners = database.ok ? await liveLeaseOwners(deps.knex) : [];
  const local = deps.localWorker();
  const workers = [...new Set([...(local ? [local.id] : []), ...owners])];
  const alerts = deps.alerts?.() ?? [];
  const status: 'ok' | 'degraded' | 'down' = !database.ok ? 'down' : alerts.length ? 'degraded' : 'ok';
  return {
    // `ok` (and the HTTP status) follow the database alone; a degraded lab still answers 200.
    ok: database.ok,
    status,
    alerts,
    database,
    queue,
    workers: { live: workers.length, ids: workers, local },
    executors: Object.fromEntries(deps.kinds.all().map((k) => [k.kind, { ...availabilityOf(deps.kinds, k.kind), description: k.description }])),
    ...(deps.extra ? await deps.extra() : {}),
  };
}
