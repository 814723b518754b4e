// The real ComfyUI kinds (the bridge's executor, presets from comfy-workflows/) on a test lab.
// When the lab installs the bridge itself, this does nothing; until then it wires it the way
// the plugin does: the bridge's kinds, each resolving presets and params at submit time.
import type { MediaLab } from '../../plugin/index.js';
import { createComfyIntegration } from '../../plugin/pipelines/comfy/index.js';

export async function useComfyKinds(lab: MediaLab): Promise<{ stop(): Promise<void> }> {
  if (lab.kinds.get('generate').resolveSubmission) return { stop: async () => undefined };
  const integration = createComfyIntegration({ knex: lab.knex, options: lab.options.comfy });
  await integration.start();
  for (const kind of integration.kinds) {
    lab.kinds.register({ ...kind, resolveSubmission: (draft) => integration.resolveSubmission(kind.kind, draft.preset, draft.params) });
  }
  return { stop: () => integration.stop() };
}
