// The ComfyUI backend list of `--comfy` and COMFYUI_URL: comma-separated URLs, each optionally
// followed by `#` and its own comma-separated options:
//
//   http://gpu:8188,http://cloud:8188#burst,weight=2,name=cloud
//
// A part that starts with http:// or https:// begins a new backend; after a `#`, the parts up to
// the next URL are that backend's options. Options: `burst` (used only while the primary backends are busy),
// `weight=<n>` (relative capacity: load is queue depth divided by weight), `name=<name>`
// (default comfy-<position>). Headers need the config file (comfy.backends[].headers).
import { UsageError } from './args.js';

export interface BackendEntry {
  name: string;
  url: string;
  weight: number;
  burst: boolean;
}

const URL_START = /^https?:\/\//i;

function applyOption(backend: BackendEntry, option: string, source: string): void {
  const [key, ...rest] = option.split('=');
  const value = rest.join('=');
  if (key === 'burst' && rest.length === 0) backend.burst = true;
  else if (key === 'weight' && /^\d+(\.\d+)?$/.test(value) && Number(value) > 0) backend.weight = Number(value);
  else if (key === 'name' && /^[\w.-]{1,100}$/.test(value)) backend.name = value;
  else {
    throw new UsageError(
      `${source}: "${option}" (after ${backend.url}) is not a backend option; use burst, weight=<positive number> or name=<letters, digits, - _ .>`,
    );
  }
}

/** Parses the list; `source` names where it came from (`--comfy`, `COMFYUI_URL`) in errors. */
export function parseBackendList(list: string, source = '--comfy'): BackendEntry[] {
  const backends: BackendEntry[] = [];
  let takingOptions = false; // after a `#`, until the next URL
  for (const raw of list.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    if (URL_START.test(part)) {
      const hash = part.indexOf('#');
      const url = hash < 0 ? part : part.slice(0, hash);
      const backend: BackendEntry = { name: `comfy-${backends.length + 1}`, url, weight: 1, burst: false };
      backends.push(backend);
      takingOptions = hash >= 0;
      if (hash >= 0 && part.slice(hash + 1)) applyOption(backend, part.slice(hash + 1), source);
    } else {
      const last = backends.at(-1);
      if (!last || !takingOptions) throw new UsageError(`${source}: "${part}" is not an http(s) URL (e.g. http://127.0.0.1:8188); options follow a URL after #, as in http://cloud:8188#burst,weight=2`);
      applyOption(last, part, source);
    }
  }
  const names = new Set<string>();
  for (const b of backends) {
    if (names.has(b.name)) throw new UsageError(`${source}: two backends are named "${b.name}"`);
    names.add(b.name);
  }
  return backends;
}
