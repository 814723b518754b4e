// Lineage benchmark: what computing staleness at read costs a gallery page, and a provenance walk.
//   npx tsx bench/lineage.ts            (PostgreSQL too when MEDIA_LAB_TEST_PG is set)
// 10,000 ComfyUI outputs (txt2img v1, half of them made after v2 was published) plus a chain of
// 20 enhance steps; prints p50/p95 of: a plain page of 100 rows, the same page with staleness,
// a `?stale=true` page (filtered in batches), and the provenance of the chain's last output.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createMediaLab } from '../plugin/index.js';
import { newId } from '../plugin/core/ids.js';
import { listArtifacts, getArtifact } from '../plugin/artifacts/store.js';
import { Staleness } from '../plugin/lineage/staleness.js';
import { provenanceOf } from '../plugin/lineage/provenance.js';
import { PG_URL, postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/db.js';

const OUTPUTS = 10_000;
const CHAIN = 20;
const RUNS = 50;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

function rows(knex: Knex, v1: { version: number; hash: string }, v2: { version: number; hash: string }) {
  const now = new Date().toISOString();
  const jobs: Record<string, unknown>[] = [];
  const artifacts: Record<string, unknown>[] = [];
  const job = (workflow: string, preset: { version: number; hash: string } | null, inputIds: string[]) => {
    const id = newId();
    jobs.push({
      id, workflow, preset_name: preset ? 'txt2img' : null, preset_version: preset?.version ?? null, preset_hash: preset?.hash ?? null,
      params: JSON.stringify({ seed: 1, qualityPreset: 'fast' }), input_ids: JSON.stringify(inputIds), status: 'SUCCEEDED', progress: 1, priority: 0, attempts: 1, max_attempts: 3,
      run_after: now, submitted_by: 'bench', source: 'lab', checkpoint: '{}', created_at: now, updated_at: now, started_at: now, finished_at: now,
    });
    return id;
  };
  const artifact = (jobId: string | null, parentIds: string[]) => {
    const id = newId();
    artifacts.push({
      id, job_id: jobId, role: jobId ? 'output' : 'input', kind: 'image', storage_key: 'bench', sha256: '0'.repeat(64), bytes: 1, mime: 'image/png',
      metadata: '{}', parent_ids: JSON.stringify(parentIds), published: true, created_by: 'bench', created_at: now, attempt: jobId ? 1 : null,
    });
    return id;
  };
  for (let i = 0; i < OUTPUTS; i++) artifact(job('generate', i % 2 ? v2 : v1, []), []);
  let last = artifact(null, []);
  for (let i = 0; i < CHAIN; i++) last = artifact(job('enhance', null, [last]), [last]);
  return { jobs, artifacts, last, insert: async () => {
    await knex.batchInsert('media_jobs', jobs, 500);
    await knex.batchInsert('media_artifacts', artifacts, 500);
  } };
}

async function bench(db: TestDatabase): Promise<void> {
  const lab = await createMediaLab({ dataDir: mkdtempSync(join(tmpdir(), 'ml-bench-')), database: db.config, authenticate: () => null, logger: { info() {}, warn() {}, error: console.error }, worker: { enabled: false } });
  await lab.migrate();
  await lab.start();
  try {
    const registry = lab.pipelines.presets.registry;
    const v1 = (await registry.get('txt2img'))!;
    const parameters = v1.definition.manifest.parameters.map((p) => (p.name === 'cfg' ? { ...p, default: 6.5 } : p));
    const v2 = (await registry.publish({ ...v1.definition.manifest, parameters, workflow: v1.definition.workflow }, 'api')).preset;
    const data = rows(lab.knex, v1, v2);
    await data.insert();
    const staleness = new Staleness(lab.knex, lab.kinds);
    const plain = await time(() => listArtifacts(lab.knex, {}, { limit: 101 }));
    const withStaleness = await time(async () => staleness.ofArtifacts(await listArtifacts(lab.knex, {}, { limit: 101 })));
    const staleOnly = await time(() => staleness.page({}, true, { limit: 100 }));
    const last = (await getArtifact(lab.knex, data.last))!;
    const provenance = await time(() => provenanceOf(lab.knex, staleness, last));
    const f = (r: { p50: number; p95: number }) => `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`;
    console.log(`${db.name}: ${OUTPUTS.toLocaleString()} outputs (half stale), a chain of ${CHAIN} steps`);
    console.log(`  page of 100, plain                ${f(plain)}`);
    console.log(`  page of 100, with staleness       ${f(withStaleness)} (x${(withStaleness.p50 / plain.p50).toFixed(1)} of plain)`);
    console.log(`  ?stale=true page of 100           ${f(staleOnly)}`);
    console.log(`  provenance of a ${CHAIN}-step chain     ${f(provenance)}`);
  } finally {
    await lab.stop();
    await lab.knex.destroy();
    await db.drop();
  }
}

await bench(sqliteDatabase());
if (PG_URL) await bench(await postgresDatabase());
