import assert from 'node:assert/strict';
import { jobRequestOf } from '../../plugin/prompt-queue/job-request.js';
import { parsePromptQueueOptions } from '../../plugin/prompt-queue/index.js';

const row = (type: string, text: string, metadata: string | null = null) => ({ id: 1, prompt_type: type, prompt_text: text, metadata });

describe('prompt -> job request', () => {
  const options = parsePromptQueueOptions({ presets: { music: 'ambient' }, defaultParams: { voice: { voice_sample: 'sample-artifact', speed: 1 } } });

  it('maps each media type to its workflow, preset and text parameter', () => {
    assert.deepEqual(jobRequestOf(row('image', ' a cat '), options), { ok: true, request: { workflow: 'generate', preset: 'txt2img', params: { prompt: 'a cat' } }, presetSource: 'mapping' });
    assert.deepEqual(jobRequestOf(row('music', 'lofi'), options), { ok: true, request: { workflow: 'music', preset: 'ambient', params: { tags: 'lofi' } }, presetSource: 'mapping' });
    assert.deepEqual(jobRequestOf(row('voice', 'hi'), options), {
      ok: true,
      request: { workflow: 'voice', preset: 'voice', params: { voice_sample: 'sample-artifact', speed: 1, text: 'hi' } },
      presetSource: 'mapping',
    });
  });

  it('lets the prompt metadata choose the preset and parameters, over the defaults', () => {
    const result = jobRequestOf(row('voice', 'hi', JSON.stringify({ preset: { name: 'narrator', version: 3 }, params: { speed: 1.5, text: 'override' }, owner_note: 'kept by the host' })), options);
    assert.deepEqual(result, { ok: true, request: { workflow: 'voice', preset: { name: 'narrator', version: 3 }, params: { voice_sample: 'sample-artifact', speed: 1.5, text: 'override' } }, presetSource: 'prompt' });
  });

  it('a type without a preset leaves the choice to the kind', () => {
    const none = parsePromptQueueOptions({ presets: { image: null } });
    assert.deepEqual(jobRequestOf(row('image', 'x'), none), { ok: true, request: { workflow: 'generate', params: { prompt: 'x' } }, presetSource: 'default' });
  });

  it('explains invalid metadata and refuses text prompts', () => {
    const error = (r: ReturnType<typeof jobRequestOf>) => (r.ok ? '' : r.error);
    assert.match(error(jobRequestOf(row('image', 'x', '{"params": [1]}'), options)), /metadata\.params: .*record|metadata\.params/);
    assert.match(error(jobRequestOf(row('image', 'x', '"just a string"'), options)), /expected a JSON object/);
    assert.match(error(jobRequestOf(row('text', 'x'), options)), /not one Media Lab makes media for/);
  });
});
