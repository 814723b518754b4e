// The "Publish to Media Lab" request, free of the ComfyUI editor so it can be tested on its own.
// POST <Media Lab API>/presets { name, kind, description, workflow } with the admin's token.

/** A preset name from a workflow file name: "My Character v2.json" -> "my-character-v2". */
export function presetNameFrom(fileName) {
  const base = String(fileName || '')
    .replace(/\.json$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-_.]+|[-_.]+$/g, '');
  return base || 'my-preset';
}

/** The kind Media Lab would infer: audio out -> voice (TTS) or music; 2+ images blended -> blend. */
export function guessKind(workflow) {
  const nodes = Object.values(workflow || {});
  const classes = nodes.map((n) => n && n.class_type).filter(Boolean);
  const audioOut = classes.some((c) => /^(SaveAudio|SaveAudioMP3|SaveAudioOpus|PreviewAudio)$/.test(c));
  if (audioOut) return classes.some((c) => /tts|speech|voice/i.test(c)) ? 'voice' : 'music';
  const loads = classes.filter((c) => c === 'LoadImage' || c === 'MediaLabImage').length;
  const sampling = classes.some((c) => /KSampler|SamplerCustom/.test(c));
  if (!sampling && loads >= 2 && classes.includes('ImageBlend')) return 'blend';
  return 'generate';
}

export function buildPublishRequest({ baseUrl, token, name, kind, description, workflow, parameters }) {
  if (!baseUrl) throw new Error('Set the Media Lab API URL first (Settings, Media Lab).');
  if (!workflow || typeof workflow !== 'object') throw new Error('There is no workflow to publish.');
  const body = { name, kind, workflow };
  if (description) body.description = description;
  if (parameters) body.parameters = parameters;
  const headers = { 'content-type': 'application/json', accept: 'application/json, application/problem+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return {
    url: `${String(baseUrl).replace(/\/+$/, '')}/presets`,
    init: { method: 'POST', headers, body: JSON.stringify(body), credentials: 'include' },
  };
}

/**
 * Publishes; resolves with Media Lab's answer ({ name, version, hash, created, parameters, ... }),
 * rejects with an Error whose message is the problem's title and detail.
 */
export async function publishToMediaLab(options, fetchImpl = globalThis.fetch) {
  const { url, init } = buildPublishRequest(options);
  let response;
  try {
    response = await fetchImpl(url, init);
  } catch (error) {
    throw new Error(`Media Lab is unreachable at ${url}: ${error && error.message ? error.message : error}`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return body;
  const detail = body && (body.detail || body.title) ? `${body.title || 'Error'}: ${body.detail || ''}` : `HTTP ${response.status} ${text.slice(0, 200)}`;
  const error = new Error(`Media Lab refused the preset. ${detail}`.trim());
  error.status = response.status;
  error.problem = body;
  throw error;
}

/** A one-line confirmation for the editor. */
export function describeResult(result) {
  if (!result) return 'Published.';
  const params = Array.isArray(result.parameters) ? result.parameters.map((p) => p.name).join(', ') : '';
  const what = result.created ? `published as ${result.name} v${result.version}` : `unchanged: ${result.name} v${result.version} already has this content`;
  return `${what}${params ? ` (parameters: ${params})` : ''}`;
}
