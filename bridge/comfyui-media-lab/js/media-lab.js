// ComfyUI editor extension: "Publish to Media Lab" in the Workflow menu (and the command
// palette). It sends the current workflow in API format to Media Lab's POST /presets with the
// admin token from the settings; Media Lab infers the parameters unless MediaLab marker nodes
// name them.
import { app } from '../../scripts/app.js';
import { describeResult, guessKind, presetNameFrom, publishToMediaLab } from './publish-core.js';

const URL_SETTING = 'MediaLab.Publish.Url';
const TOKEN_SETTING = 'MediaLab.Publish.Token';
const KINDS = ['generate', 'blend', 'music', 'voice'];

function setting(id) {
  return app.extensionManager?.setting?.get(id) ?? app.ui?.settings?.getSettingValue?.(id) ?? '';
}

function notify(severity, summary, detail) {
  const toast = app.extensionManager?.toast;
  if (toast?.add) toast.add({ severity, summary, detail, life: severity === 'error' ? 10000 : 5000 });
  else window.alert(`${summary}\n\n${detail}`);
}

async function publishCurrentWorkflow() {
  const baseUrl = setting(URL_SETTING);
  if (!baseUrl) {
    notify('warn', 'Media Lab', 'Set the Media Lab API URL (and your admin token) in Settings > Media Lab first.');
    return;
  }
  const { output } = await app.graphToPrompt();
  const fileName = app.extensionManager?.workflow?.activeWorkflow?.filename ?? app.workflowManager?.activeWorkflow?.name ?? 'my-preset';
  const name = window.prompt('Publish to Media Lab: preset name', presetNameFrom(fileName));
  if (!name) return;
  const kind = window.prompt(`Kind (${KINDS.join(', ')})`, guessKind(output));
  if (!kind) return;
  if (!KINDS.includes(kind)) {
    notify('error', 'Media Lab', `Unknown kind "${kind}": use one of ${KINDS.join(', ')}.`);
    return;
  }
  const description = window.prompt('Description (optional)', '') ?? '';
  try {
    const result = await publishToMediaLab({ baseUrl, token: setting(TOKEN_SETTING), name, kind, description, workflow: output });
    notify('success', 'Published to Media Lab', describeResult(result));
  } catch (error) {
    notify('error', 'Media Lab', error.message);
  }
}

app.registerExtension({
  name: 'MediaLab.Publish',
  settings: [
    { id: URL_SETTING, name: 'Media Lab API URL (e.g. https://wiki.example.com/api/media-lab)', type: 'text', defaultValue: '' },
    { id: TOKEN_SETTING, name: 'Media Lab admin token', type: 'text', defaultValue: '' },
  ],
  commands: [{ id: 'MediaLab.Publish', label: 'Publish to Media Lab', icon: 'pi pi-upload', function: publishCurrentWorkflow }],
  menuCommands: [{ path: ['Workflow'], commands: ['MediaLab.Publish'] }],
});
