// The workbench in Chromium, with the fake ComfyUI for generate and blend and the real enhance
// pipeline: build a three-step draft (generate -> enhance -> blend of both), run it to the end,
// rerun the middle step with another scale, see the last step and its edge go stale, run to
// here, restore the first enhance result from the history, and export the draft as a chain preset.
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { withFakeComfyHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';
import type { Draft } from '../../contract/workbench.js';
import { releaseRunLease, takeRunLease, updateDraft } from '../../plugin/workbench/store.js';

describe('browser: workbench', function () {
  this.timeout(300_000);
  let h: Harness;
  withFakeComfyHarness((started) => ({ h } = started));

  /** Types a value and leaves the field, as a person does (the change event). */
  async function setField(field: Locator, value: string): Promise<void> {
    await field.fill(value);
    await field.evaluate((el) => (el as HTMLElement).blur());
  }

  async function addStep(page: Page, id: string, workflow: string): Promise<void> {
    await page.locator('media-lab-workbench input[name="newStepId"]').fill(id);
    await page.locator('media-lab-workbench select[name="newStepWorkflow"]').selectOption(workflow);
    await page.locator('media-lab-workbench button[data-action="add-step"]').click();
    await page.locator(`media-lab-workbench [data-step-editor="${id}"]`).waitFor();
  }

  const card = (page: Page, id: string) => page.locator(`media-lab-workbench article[data-step="${id}"]`);
  const freshness = async (page: Page) => {
    const ids = ['gen', 'up', 'mix'];
    return Promise.all(ids.map((id) => card(page, id).getAttribute('data-freshness')));
  };
  /** Waits for the draft's run to end, then checks how (a failed run says why, at once). */
  const runStatus = async (page: Page, status: string) => {
    const ended = page.locator('media-lab-workbench [data-role="run-status"]:is([data-status="succeeded"], [data-status="failed"])');
    await ended.waitFor({ timeout: 240_000 }).catch(async (error: Error) => {
      // Still running: say where each step stands, so that a hang can be read from the log.
      const id = await page.locator('media-lab-workbench').getAttribute('draft-id');
      const draft = (await h.apiJson<Draft>(`/workbench/drafts/${id}`)).body;
      const steps = draft.steps.map((s) => `${s.stepId}: ${s.freshness} ${s.selected ? `${s.selected.status} ${s.selected.job.stage ?? ''}` : 'no result'}`);
      throw new Error(`${error.message}\nrun: ${JSON.stringify(draft.run)}\n${steps.join('\n')}`);
    });
    assert.equal(await ended.getAttribute('data-status'), status, `the run ended: ${await ended.textContent()}`);
  };

  it('builds generate -> enhance -> blend, runs it, reruns the middle step, sees stale, runs to here, restores, exports', async () => {
    const page = await h.newPage({ width: 1400, height: 1000 });
    await page.goto(`${h.url}/media-lab#workbench`);
    await page.locator('media-lab-workbench input[name="draftName"]').fill('Turnaround');
    await page.locator('media-lab-workbench button[data-action="new-draft"]').click();
    await waitForText(page.locator('media-lab-workbench select[name="draft"]'), /Turnaround/);

    // generate (txt2img on the fake ComfyUI), small and quick
    await addStep(page, 'gen', 'generate');
    const gen = page.locator('media-lab-workbench [data-step-editor="gen"]');
    await gen.locator('select[name="preset"]').selectOption('txt2img');
    await setField(gen.locator('textarea[name="params.prompt"]'), 'a lighthouse keeper, turnaround sheet');
    await setField(gen.locator('input[name="params.width"]'), '256');
    await setField(gen.locator('input[name="params.height"]'), '256');
    await setField(gen.locator('input[name="params.steps"]'), '2');
    // enhance reads the generated image (the new step's "input from" defaults to the last step)
    await addStep(page, 'up', 'enhance');
    const up = page.locator('media-lab-workbench [data-step-editor="up"]');
    assert.equal(await up.locator('select[name="inputs.image"]').inputValue(), 'gen.output');
    await up.locator('select[name="params.qualityPreset"]').selectOption('fast');
    // blend: the enhanced image with the generated one
    await addStep(page, 'mix', 'blend');
    const mix = page.locator('media-lab-workbench [data-step-editor="mix"]');
    await mix.locator('select[name="preset"]').selectOption('pixel-blend');
    await mix.locator('select[name="params.image_1"]').selectOption('up.output');
    await mix.locator('select[name="params.image_2"]').selectOption('gen.output');
    await page.locator('media-lab-workbench button[data-action="save-draft"]').click();
    await waitForText(page.locator('media-lab-workbench button[data-action="save-draft"]'), /Saved/);
    // The graph draws the three cards and the three edges.
    assert.equal(await page.locator('media-lab-workbench media-lab-graph path[data-from]').count(), 3);
    await h.screenshot(page, 'workbench-draft');

    // Run all: every step runs once, in order, and ends fresh with a preview.
    await page.locator('media-lab-workbench button[data-action="run-all"]').click();
    await runStatus(page, 'succeeded');
    assert.deepEqual(await freshness(page), ['fresh', 'fresh', 'fresh']);
    for (const id of ['gen', 'up', 'mix']) await card(page, id).locator('img[data-role="result-preview"]').waitFor();
    await waitFor(() => card(page, 'mix').locator('img[data-role="result-preview"]').evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), 'the blend preview to load');
    await h.screenshot(page, 'workbench-run-all');

    // Rerun the middle step with another scale: the blend and its edge from "up" go stale (its
    // edge from "gen" stays fresh: that value is still the selected one).
    await up.locator('select[name="params.scale"]').selectOption('3');
    await card(page, 'up').locator('button[data-action="run-step"]').click();
    // (saving the edit first shows "up" stale with its old, succeeded result selected, so the
    // wait is on the draft: a second result of "up", selected and finished)
    const draftId = await page.locator('media-lab-workbench').getAttribute('draft-id');
    await waitFor(
      async () => {
        const step = (await h.apiJson<Draft>(`/workbench/drafts/${draftId}`)).body.steps[1]!;
        return step.results.length === 2 && step.selected?.jobId === step.results[0]!.jobId && step.selected.status === 'SUCCEEDED';
      },
      'the rerun of "up" to succeed',
      120_000,
    );
    await waitFor(async () => (await card(page, 'up').locator('media-lab-status-badge').getAttribute('status')) === 'SUCCEEDED' && (await card(page, 'mix').getAttribute('data-freshness')) === 'stale', 'the page to show it and the blend stale');
    await waitFor(async () => (await card(page, 'up').getAttribute('data-freshness')) === 'fresh', 'the page to show "up" fresh');
    assert.deepEqual(await freshness(page), ['fresh', 'fresh', 'stale']);
    assert.equal(await page.locator('media-lab-workbench media-lab-graph path[data-from="up"][data-to="mix"]').getAttribute('data-state'), 'stale');
    assert.equal(await page.locator('media-lab-workbench media-lab-graph path[data-from="gen"][data-to="mix"]').getAttribute('data-state'), 'fresh', 'what the blend read from "gen" is still current');
    await h.screenshot(page, 'workbench-stale');

    // Run to here on the blend: only the blend runs again.
    await card(page, 'mix').locator('button[data-action="run-to-here"]').click();
    await waitFor(async () => (await freshness(page)).every((f) => f === 'fresh') && (await card(page, 'mix').locator('media-lab-status-badge').getAttribute('status')) === 'SUCCEEDED', 'every step fresh again', 120_000);
    await runStatus(page, 'succeeded');
    const draft = (await h.apiJson<Draft>(`/workbench/drafts/${draftId}`)).body;
    assert.deepEqual(draft.steps.map((s) => s.results.length), [1, 2, 2]);
    assert.equal(draft.steps[1]!.selected!.job.params.scale, 3);
    assert.equal(draft.steps[1]!.selected!.outputs[0]!.width, 768);
    await h.screenshot(page, 'workbench-run-to-here');

    // History: selecting the first enhance result restores scale 2 and the blend made from it.
    await card(page, 'up').locator('button[data-action="history"]').click();
    const history = page.locator('media-lab-workbench [data-history="up"]');
    assert.equal(await history.locator('tbody tr').count(), 2);
    await history.locator('tr[data-selected="false"] button[data-action="select-result"]').click();
    // (the first run left scale to its default, 2: the select shows "(default: 2)" again)
    await waitFor(async () => (await up.locator('select[name="params.scale"]').inputValue()) === '', 'the default scale restored');
    assert.deepEqual(await freshness(page), ['fresh', 'fresh', 'fresh']);
    const restored = (await h.apiJson<Draft>(`/workbench/drafts/${draftId}`)).body;
    assert.equal(restored.steps[2]!.selected!.jobId, draft.steps[2]!.results.at(-1)!.jobId, 'the first blend is selected again');
    assert.deepEqual((restored.definition as { steps: Array<{ params: unknown }> }).steps[1]!.params, { qualityPreset: 'fast' });
    assert.equal(restored.steps[1]!.selected!.outputs[0]!.width, 512);
    await h.screenshot(page, 'workbench-history');

    // Export as chain preset: one call, a version.
    await setField(page.locator('media-lab-workbench input[name="exportName"]'), 'turnaround');
    await page.locator('media-lab-workbench button[data-action="export"]').click();
    await waitForText(page.locator('media-lab-workbench [data-role="exported"]'), /chain preset "turnaround" version 1/);
    await h.screenshot(page, 'workbench-exported');

    // The exported chain runs in production through the submit API: its job page draws the
    // steps, the inner steps' outputs are intermediates, and the output's provenance goes back
    // through the blend to both of its inputs.
    const submitted = await h.apiJson<{ id: string }>('/jobs', { method: 'POST', body: JSON.stringify({ workflow: 'chain', preset: { name: 'turnaround' } }) });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    await page.goto(`${h.url}/media-lab/jobs/${submitted.body.id}`);
    const chainGraph = page.locator('media-lab-job [part="chain-graph"]');
    await chainGraph.waitFor();
    const chain = await waitForJobStatus(h, submitted.body.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000);
    assert.equal(chain.status, 'SUCCEEDED', `${String(chain.errorCode)}: ${String(chain.errorMessage)}`);
    const steps = (await h.apiJson<{ items: Array<{ id: string; stepId: string }> }>(`/jobs?parentJobId=${submitted.body.id}`)).body.items;
    const stepJob = (id: string) => steps.find((s) => s.stepId === id)!.id;
    for (const id of ['gen', 'up', 'mix']) {
      await waitFor(async () => (await chainGraph.locator(`[part="step-card"][data-step="${id}"]`).getAttribute('data-status')) === 'SUCCEEDED', `step ${id} SUCCEEDED on the chain's page`);
    }
    const intermediates = (await h.apiJson<{ items: Array<{ jobId: string }> }>('/artifacts?role=intermediate&limit=100')).body.items;
    for (const id of ['gen', 'up']) assert.ok(intermediates.some((a) => a.jobId === stepJob(id)), `step ${id} made an intermediate`);
    const output = (chain.outputs as Array<{ id: string; role: string; jobId: string }>).find((o) => o.role === 'output')!;
    assert.equal(output.jobId, stepJob('mix'));
    await h.screenshot(page, 'workbench-exported-chain');
    await page.goto(`${h.url}/media-lab#gallery`);
    await page.locator(`media-lab-gallery [part~="item"][data-artifact-id="${output.id}"]`).click();
    const provenance = page.locator('media-lab-gallery [part="detail"] media-lab-provenance');
    await provenance.locator('[part="graph"]').waitFor();
    for (const id of ['gen', 'up', 'mix']) await provenance.locator(`[part="graph-node"][data-job-id="${stepJob(id)}"]`).waitFor();
    await h.screenshot(page, 'workbench-exported-chain-provenance');
  });

  it('shows a run that another server ended with no job event: the page looks again while a run goes on', async () => {
    const photo = await h.upload(await sharp({ create: { width: 16, height: 12, channels: 3, background: '#3a7' } }).png().toBuffer(), 'still.png');
    const created = await h.apiJson<Draft>('/workbench/drafts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Quiet end', definition: { steps: [{ id: 'up', workflow: 'enhance', params: { qualityPreset: 'fast' }, inputs: { image: { from: 'inputs.photo' } } }], inputs: [{ name: 'photo', type: 'image' }] }, inputValues: { photo: photo.id } }),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ran = await h.apiJson<{ job: { id: string } }>(`/workbench/drafts/${created.body.id}/steps/up/run`, { method: 'POST' });
    await waitForJobStatus(h, ran.body.job.id, ['SUCCEEDED']);
    // A run whose last job ended before the page knew of it, held by another server (its lease)
    // so that this server's sweep leaves it alone until the test lets go.
    const { knex } = h.host.lab;
    const run = { target: null, status: 'running' as const, actor: 'demo-admin', error: null, jobIds: [ran.body.job.id], startedAt: new Date().toISOString(), finishedAt: null };
    await updateDraft(knex, created.body.id, { run });
    assert.ok(await takeRunLease(knex, created.body.id, 'another-server', 120_000));
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#workbench`);
    await page.locator('media-lab-workbench select[name="draft"]').selectOption(created.body.id);
    await page.locator('media-lab-workbench [data-role="run-status"][data-status="running"]').waitFor();
    // The other server ends the run: no job event, nothing on the socket. The page still sees it.
    await updateDraft(knex, created.body.id, { run: { ...run, status: 'succeeded', finishedAt: new Date().toISOString() } });
    await releaseRunLease(knex, created.body.id, 'another-server');
    await runStatus(page, 'succeeded');
  });

  it('runs a draft from an uploaded chain input: image -> enhance -> enhance', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab#workbench`);
    await page.locator('media-lab-workbench input[name="draftName"]').fill('Upscale twice');
    await page.locator('media-lab-workbench button[data-action="new-draft"]').click();
    await waitForText(page.locator('media-lab-workbench select[name="draft"]'), /Upscale twice/);
    await page.locator('media-lab-workbench input[name="newInputName"]').fill('face');
    await page.locator('media-lab-workbench select[name="newInputType"]').selectOption('image');
    await page.locator('media-lab-workbench button[data-action="add-input"]').click();
    const source = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#2d6cdf' } }).png().toBuffer();
    await page.locator('media-lab-workbench input[name="inputs.face"]').setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer: source });
    await waitForText(page.locator('media-lab-workbench [data-input="face"] [data-role="input-value"]'), /artifact/);
    await addStep(page, 'first', 'enhance');
    assert.equal(await page.locator('media-lab-workbench [data-step-editor="first"] select[name="inputs.image"]').inputValue(), 'inputs.face');
    await page.locator('media-lab-workbench [data-step-editor="first"] select[name="params.qualityPreset"]').selectOption('fast');
    await addStep(page, 'second', 'enhance');
    await page.locator('media-lab-workbench [data-step-editor="second"] select[name="params.qualityPreset"]').selectOption('fast');
    await page.locator('media-lab-workbench button[data-action="run-all"]').click();
    await runStatus(page, 'succeeded');
    assert.deepEqual(await Promise.all(['first', 'second'].map((id) => card(page, id).getAttribute('data-freshness'))), ['fresh', 'fresh']);
    const draftId = await page.locator('media-lab-workbench').getAttribute('draft-id');
    const draft = (await h.apiJson<Draft>(`/workbench/drafts/${draftId}`)).body;
    assert.deepEqual(draft.steps.map((s) => [s.selected!.outputs[0]!.width, s.selected!.outputs[0]!.height]), [[64, 48], [128, 96]]);
    assert.deepEqual(Object.keys(draft.steps[0]!.selected!.snapshot.inputValues), ['face']);
    await h.screenshot(page, 'workbench-chain-input');

    // Run the first step again as it is: the identical earlier run stands in (nothing runs) and
    // the card says so. The step after it read the other result, so it is stale; running to it
    // reuses too (the same bytes came out of "first").
    assert.equal(await card(page, 'first').locator('[data-role="reused"]').count(), 0);
    await card(page, 'first').locator('button[data-action="run-step"]').click();
    await card(page, 'first').locator('[data-role="reused"]').waitFor();
    const again = (await h.apiJson<Draft>(`/workbench/drafts/${draftId}`)).body.steps[0]!;
    assert.deepEqual([again.results.length, again.selected!.job.reusedFromJobId], [2, draft.steps[0]!.selected!.jobId]);
    assert.equal(await card(page, 'first').locator('media-lab-status-badge').getAttribute('status'), 'SUCCEEDED');
    await waitFor(async () => (await card(page, 'second').getAttribute('data-freshness')) === 'stale', 'the second step to read "first" anew');
    await card(page, 'second').locator('button[data-action="run-to-here"]').click();
    await card(page, 'second').locator('[data-role="reused"]').waitFor();
    await waitFor(async () => (await card(page, 'second').getAttribute('data-freshness')) === 'fresh', 'the second step fresh again');
    await runStatus(page, 'succeeded');
    await h.screenshot(page, 'workbench-reused');
  });
});
