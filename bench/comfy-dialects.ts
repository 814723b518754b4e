// ComfyUI dialects benchmark: `npx tsx bench/comfy-dialects.ts`. Prints figures; never part of
// `npm test`. Against the fake ComfyUI speaking v0.3.64 (no jobs API) and 0.33.x (jobs API):
// 1. locate() of a finished prompt and of an unknown one: the legacy path reads /queue, then
//    /history, and re-reads an empty `{}` answer for history's lag before saying "unknown"; the
//    jobs API answers once (404 means unknown).
// 2. cancel() of a pending prompt: /queue + delete + /queue again, versus one POST by id.
// 3. A full run (submit, follow, confirm): p50 over sequential runs.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ComfyClient } from '../bridge/client/comfy-client.js';
import type { ApiWorkflow } from '../bridge/types.js';
import { NEWEST_VERSION, RECORDED_VERSION, startFakeComfy } from '../test/fake-comfy/index.js';

const RUNS = Number(process.env.RUNS ?? 30);
const chain = (color: number): ApiWorkflow => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: `bench${color}` } },
});

function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

for (const version of [RECORDED_VERSION, NEWEST_VERSION]) {
  const comfy = await startFakeComfy({ version });
  const client = new ComfyClient({ name: 'bench', url: comfy.url });
  const info = await client.describeServer();
  const runs: number[] = [];
  const finished: number[] = [];
  const unknown: number[] = [];
  const cancels: number[] = [];
  let lastId = '';
  for (let i = 0; i < RUNS; i++) runs.push(await timed(async () => (lastId = (await client.run(chain(i % 200))).promptId)));
  for (let i = 0; i < RUNS; i++) finished.push(await timed(() => client.locate(lastId)));
  for (let i = 0; i < Math.min(RUNS, 10); i++) unknown.push(await timed(() => client.locate(randomUUID())));
  comfy.timing.hold = ['ImageInvert'];
  await client.submit(chain(999), { promptId: randomUUID() }); // keeps the queue busy
  for (let i = 0; i < RUNS; i++) {
    const id = randomUUID();
    await client.submit(chain(1000 + i), { promptId: id });
    cancels.push(await timed(() => client.cancel(id)));
  }
  comfy.timing.hold = [];
  const requests = comfy.requests.length;
  console.log(
    `ComfyUI ${info.version} (jobs API: ${info.jobsApi}): run p50 ${p50(runs).toFixed(1)} ms; locate finished p50 ${p50(finished).toFixed(1)} ms; ` +
      `locate unknown p50 ${p50(unknown).toFixed(1)} ms; cancel pending p50 ${p50(cancels).toFixed(1)} ms; ${requests} HTTP requests in all`,
  );
  client.close();
  await comfy.close();
}
