// A chain's job page and its output's provenance as graphs: a three-step enhance chain submitted
// through the API; its job page draws the steps with <media-lab-graph> (a card per step with its
// workflow and status, an edge per ref of the definition, links to the step jobs), its inner
// steps' outputs are intermediates, and the final output's provenance is a graph back to the upload.
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

const threeEnhances = {
  name: 'enhance-thrice',
  inputs: [{ name: 'photo', type: 'image' }],
  steps: [
    { id: 'first', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'inputs.photo' } } },
    { id: 'second', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'first.output' } } },
    { id: 'third', workflow: 'enhance', params: { qualityPreset: 'fast', scale: 2 }, inputs: { image: { from: 'second.output' } } },
  ],
};

interface Artifact {
  id: string;
  role: string;
  jobId: string | null;
  width: number | null;
}
interface Job {
  id: string;
  stepId: string | null;
  status: string;
}

describe('browser: a chain job page and its output\'s provenance as graphs', function () {
  this.timeout(120_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());
  afterEach(() => assert.deepEqual(h.pageErrors.splice(0), []));

  it('shows each step SUCCEEDED in the chain graph, the intermediates, and the output\'s provenance graph', async () => {
    const published = await h.apiJson('/chains', { method: 'POST', body: JSON.stringify(threeEnhances) });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    const photo = await h.upload(await sharp({ create: { width: 16, height: 12, channels: 3, background: '#2d6cdf' } }).png().toBuffer(), 'photo.png');
    const submitted = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: { name: 'enhance-thrice' }, params: { photo: photo.id } }) });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const chainId = submitted.body.id;

    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab/jobs/${chainId}`);
    const graph = page.locator('media-lab-job [part="chain-graph"]');
    await graph.waitFor();
    const job = await waitForJobStatus(h, chainId, ['SUCCEEDED', 'FAILED'], 90_000);
    assert.equal(job.status, 'SUCCEEDED', `${String(job.errorCode)}: ${String(job.errorMessage)}`);
    const steps = (await h.apiJson<{ items: Job[] }>(`/jobs?parentJobId=${chainId}`)).body.items;
    assert.equal(steps.length, 3);

    // Each step a card, live to SUCCEEDED (the page was open while they ran).
    for (const id of ['first', 'second', 'third']) {
      const card = graph.locator(`[part="step-card"][data-step="${id}"]`);
      await waitFor(async () => ((await card.getAttribute('data-status')) === 'SUCCEEDED' ? true : null), `step ${id} SUCCEEDED on the page`);
      await waitForText(card.locator('.workflow'), /^enhance$/);
      const stepJob = steps.find((s) => s.stepId === id)!;
      assert.equal(await card.getAttribute('data-job-id'), stepJob.id);
      assert.equal(await card.locator('[data-role="step-link"]').getAttribute('href'), `/media-lab/jobs/${stepJob.id}`);
    }
    // The edges: first -> second -> third, drawn between the cards.
    const edges = await graph.evaluate((el) => [...(el.shadowRoot?.querySelectorAll('path[data-from]') ?? [])].map((p) => `${p.getAttribute('data-from')}->${p.getAttribute('data-to')}:${p.getAttribute('data-state')}`));
    assert.deepEqual(edges.sort(), ['first->second:fresh', 'second->third:fresh']);
    const boxes = await Promise.all(['first', 'second', 'third'].map((id) => graph.locator(`[data-step="${id}"]`).boundingBox()));
    assert.ok(boxes.every(Boolean) && boxes[0]!.x < boxes[1]!.x && boxes[1]!.x < boxes[2]!.x, 'laid out left to right in step order');
    await h.screenshot(page, 'chain-job-graph');

    // The inner steps' outputs are intermediates; the chain's output is the last step's.
    const intermediates = (await h.apiJson<{ items: Artifact[] }>('/artifacts?role=intermediate&limit=100')).body.items;
    for (const id of ['first', 'second']) assert.ok(intermediates.some((a) => a.jobId === steps.find((s) => s.stepId === id)!.id), `${id} made an intermediate`);
    const output = (job.outputs as Artifact[]).find((o) => o.role === 'output')!;
    assert.equal(output.jobId, steps.find((s) => s.stepId === 'third')!.id);
    assert.equal(output.width, 16 * 8);
    await page.locator(`media-lab-job figure[data-artifact-id="${output.id}"]`).waitFor();

    // The final output's provenance: a graph from the upload through the three steps.
    await page.goto(`${h.url}/media-lab#gallery`);
    await page.locator(`media-lab-gallery [part~="item"][data-artifact-id="${output.id}"]`).click();
    const provenance = page.locator('media-lab-gallery [part="detail"] media-lab-provenance');
    const provenanceGraph = provenance.locator('[part="graph"]');
    await provenanceGraph.waitFor();
    await provenance.locator(`[part="graph-node"][data-artifact-id="${photo.id}"]`).waitFor();
    for (const step of steps) await waitForText(provenance.locator(`[part="graph-node"][data-job-id="${step.id}"]`), new RegExp(`${step.stepId} · enhance`));
    const provenanceEdges = await provenanceGraph.evaluate((el) => el.shadowRoot?.querySelectorAll('path[data-from]').length ?? 0);
    assert.equal(provenanceEdges, 3, 'upload -> first -> second -> third');
    assert.equal(await provenance.locator('[part~="step"]').count(), 3, 'the list of steps stays below');
    await h.screenshot(page, 'chain-output-provenance-graph');
  });
});
