// The reference pickers offer the host's own media beside "upload": in the Blend form (the
// character-blend preset), an admin browses the demo host's wiki screenshots page by page,
// searches them, picks inspirations, and submits; the job takes the imported artifacts, stored
// once each, with the screenshot they came from in their metadata.
import assert from 'node:assert/strict';
import { withFakeComfyHarness, waitForJobStatus, waitForText, type Harness } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

describe('browser: picking references from a host media source', function () {
  let h: Harness;
  withFakeComfyHarness((started) => ({ h } = started));

  it('browses, searches and picks wiki screenshots as blend inspirations; the job gets the imported artifacts', async () => {
    const page = await h.newPage();
    await page.goto(`${h.url}/media-lab`);
    await page.locator('button[data-tab="blend"]').click();
    const form = page.locator('media-lab-job-form form[data-workflow="blend"]');
    await form.waitFor();
    assert.equal(await form.locator('select[name="preset"]').inputValue(), 'character-blend');
    // The LoRA stack offers the backend's LoRA files (its /object_info), empty meaning none.
    const lora = form.locator('select[name="lora_1"]');
    assert.deepEqual(await lora.locator('option').allTextContents(), ['(none)', 'detail_tweaker_xl.safetensors', 'watercolor_style.safetensors']);
    assert.equal(await lora.inputValue(), '');

    const picker = (field: string) => form.locator(`media-lab-source-picker[data-for="${field}"]`);
    const items = (field: string) => picker(field).locator('[part="items"] button[data-item]');
    const itemIds = async (field: string) => {
      await picker(field).locator('[part="items"][aria-busy="false"]').waitFor();
      return items(field).evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-item')));
    };

    // Beside the upload: one button per source; it opens the first page (4 per page in the demo).
    await picker('image_1').locator('button[data-source="screenshots"]').click();
    await waitFor(async () => (await itemIds('image_1')).length === 4, 'the first page');
    assert.deepEqual(await itemIds('image_1'), ['castle-gate.png', 'forest-path.png', 'harbour-at-dusk.png', 'heroes/knight-portrait.png']);
    await picker('image_1').locator('button[data-action="source-next"]').click();
    await waitFor(async () => (await itemIds('image_1'))[0] === 'heroes/mage-portrait.png', 'the second page');
    assert.deepEqual(await itemIds('image_1'), ['heroes/mage-portrait.png', 'heroes/ranger-portrait.png', 'tavern-interior.png']);
    assert.equal(await picker('image_1').locator('button[data-action="source-next"]').isDisabled(), true, 'no third page');

    await picker('image_1').locator('input[name="source-query"]').fill('knight');
    await waitFor(async () => (await itemIds('image_1')).join() === 'heroes/knight-portrait.png', 'the search result');
    await h.screenshot(page, 'source-picker-search');
    await items('image_1').first().click();
    await waitForText(form.locator('[data-picked-for="image_1"]'), /Using knight-portrait\.png \(Wiki screenshots\)/);
    assert.equal(await picker('image_1').locator('[part="panel"]').count(), 0, 'the panel closes on a pick');

    await picker('image_2').locator('button[data-source="screenshots"]').click();
    await waitFor(async () => (await itemIds('image_2')).length === 4, 'the first page for image_2');
    await picker('image_2').locator('button[data-item="castle-gate.png"]').click();
    await waitForText(form.locator('[data-picked-for="image_2"]'), /Using castle-gate\.png/);

    // The same screenshot again: imported once, the same artifact.
    await picker('image_3').locator('button[data-source="screenshots"]').click();
    await picker('image_3').locator('input[name="source-query"]').fill('knight');
    await waitFor(async () => (await itemIds('image_3')).join() === 'heroes/knight-portrait.png', 'the search result for image_3');
    await items('image_3').first().click();
    await waitForText(form.locator('[data-picked-for="image_3"]'), /Using knight-portrait\.png/);
    await h.screenshot(page, 'source-picker-picked');

    await form.locator('button[data-action="submit-job"]').click();
    await waitForText(page.locator('media-lab-toasts [data-role="toast"]'), /Job queued: blend/);
    const id = await waitFor(() => page.locator('media-lab-app [part="latest"] media-lab-job').getAttribute('job-id'), 'the latest job panel');
    const { body: job } = await h.apiJson<{ preset: { name: string }; params: Record<string, string>; inputIds: string[] }>(`/jobs/${id}`);
    assert.equal(job.params.lora_1, null, 'no LoRA picked: the stack stays empty (bypassed)');
    assert.equal(job.preset.name, 'character-blend');
    assert.equal(job.params.image_1, job.params.image_3, 'one artifact for one screenshot');
    assert.notEqual(job.params.image_1, job.params.image_2);
    const { body: knight } = await h.apiJson<{ role: string; metadata: { source: { name: string; id: string } } }>(`/artifacts/${job.params.image_1}`);
    assert.equal(knight.role, 'input');
    assert.deepEqual([knight.metadata.source.name, knight.metadata.source.id], ['screenshots', 'heroes/knight-portrait.png']);

    // The fake ComfyUI runs the character blend with the form's defaults; its output leads back to the screenshots.
    const done = await waitForJobStatus(h, id, ['SUCCEEDED', 'FAILED']);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.error ?? done.errorMessage ?? null));
    const { body: detail } = await h.apiJson<{ outputs: Array<{ id: string; width: number }> }>(`/jobs/${id}`);
    assert.equal(detail.outputs[0].width, 1024);
    const { body: output } = await h.apiJson<{ lineage: Array<{ metadata: { source?: { id: string } } }> }>(`/artifacts/${detail.outputs[0].id}`);
    assert.deepEqual(output.lineage.map((a) => a.metadata.source?.id).filter(Boolean).sort(), ['castle-gate.png', 'heroes/knight-portrait.png']);
  });
});
