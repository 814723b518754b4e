// The CLI's configuration file (`--config media-lab.config.json`, or MEDIA_LAB_CONFIG): JSON
// checked against the same zod schemas as the code — createMediaLab's options (plugin/options.ts)
// and the prompt-queue adapter's (plugin/prompt-queue/options.ts, under `promptQueue`) — plus the
// settings only the CLI has (port, host, database as a string). Values that are functions
// (authenticate, canView, logger) cannot be written in JSON and are not accepted.
//
// Every object is strict: an unknown key is an error, so a typo never passes silently. Relative
// paths are taken from the file's own folder (a LaunchAgent or a systemd unit starts in /).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { comfyOptionsSchema } from '../../bridge/options.js';
import { optionsSchema, OptionsError } from '../options.js';
import { promptQueueOptionsSchema } from '../prompt-queue/options.js';
import { scriptOptionsSchema } from '../pipelines/script/options.js';

const promptQueueFileSchema = promptQueueOptionsSchema.omit({ authenticate: true, canView: true, logger: true }).extend({
  /** Media processing of the prompt queue: false leaves the prompts alone (serve keeps serving the API). */
  enabled: z.boolean().default(true),
});

export const configFileSchema = optionsSchema.omit({ authenticate: true, logger: true, database: true, comfy: true, scripts: true }).extend({
  /** An SQLite file (relative to this file) or a postgres:// URL. Default <dataDir>/media-lab.sqlite */
  database: z.string().min(1).optional(),
  comfy: comfyOptionsSchema.optional(),
  /** Script presets: { python, comfyuiDirectory, comfyArgs, env, concurrency } (paths relative to this file). */
  scripts: scriptOptionsSchema.optional(),
  promptQueue: promptQueueFileSchema.optional(),
  /** `media-lab serve`: where to listen. */
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
});

/** The file as written (validated; defaults are applied later, by the schemas that own them). */
export type ConfigFile = z.input<typeof configFileSchema>;

export class ConfigFileError extends OptionsError {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Keys the schema does not know, as paths (`lanes.enahnce`), at every depth. */
export function unknownKeys(schema: z.ZodType, value: unknown, path: string[] = []): string[] {
  const def = defOf(schema);
  if (def.innerType) return unknownKeys(def.innerType, value, path);
  if (def.type === 'pipe' && def.in) return unknownKeys(def.in, value, path);
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeys(def.element!, item, [...path, String(i)]));
  }
  if (def.type === 'record' && def.valueType && value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => unknownKeys(def.valueType!, item, [...path, key]));
  }
  if (def.type !== 'object' || !def.shape || !value || typeof value !== 'object' || Array.isArray(value)) return [];
  const shape = def.shape;
  return Object.entries(value).flatMap(([key, item]) =>
    key in shape ? unknownKeys(shape[key], item, [...path, key]) : [[...path, key].join('.')],
  );
}

/** Problems with a parsed file, each as `key.path: message`; empty when it is valid. */
export function configProblems(value: unknown): string[] {
  const unknown = unknownKeys(configFileSchema, value).map((key) => `${key}: unknown key`);
  const result = configFileSchema.safeParse(value);
  const issues = result.success
    ? []
    : result.error.issues
        .filter((i) => i.code !== 'unrecognized_keys')
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
  return [...unknown, ...issues];
}

const isUrlOrMemory = (value: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value === ':memory:';

/** Paths in the file relative to its folder. */
function resolvePaths(file: ConfigFile, base: string): ConfigFile {
  const at = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(base, p));
  const out: ConfigFile = { ...file };
  if (file.dataDir !== undefined) out.dataDir = at(file.dataDir);
  if (file.artifactDir !== undefined) out.artifactDir = at(file.artifactDir);
  if (file.database !== undefined && !isUrlOrMemory(file.database)) out.database = at(file.database);
  if (file.comfy?.presetsDir !== undefined) out.comfy = { ...file.comfy, presetsDir: at(file.comfy.presetsDir) };
  if (file.scripts) {
    // A python given as a path (./venv/bin/python) is relative to this file; a bare name is looked up on PATH.
    const { python, comfyuiDirectory } = file.scripts;
    out.scripts = {
      ...file.scripts,
      ...(python !== undefined && python.includes('/') ? { python: at(python) } : {}),
      ...(comfyuiDirectory !== undefined ? { comfyuiDirectory: at(comfyuiDirectory) } : {}),
    };
  }
  if (file.promptQueue?.mediaRoot !== undefined) out.promptQueue = { ...file.promptQueue, mediaRoot: at(file.promptQueue.mediaRoot) };
  if (file.chains?.dir !== undefined) out.chains = { ...file.chains, dir: at(file.chains.dir) };
  // Pipeline options are checked by their pipelines; their model and cache paths resolve here.
  const path = (value: unknown) => (typeof value === 'string' ? at(value) : value);
  const withFile = (value: unknown) => (value && typeof value === 'object' && 'file' in value ? { ...value, file: path((value as { file: unknown }).file) } : value);
  if (file.enhance) {
    const { modelCacheDir, customModels } = file.enhance as { modelCacheDir?: unknown; customModels?: unknown };
    out.enhance = {
      ...file.enhance,
      ...(modelCacheDir !== undefined ? { modelCacheDir: path(modelCacheDir) } : {}),
      ...(Array.isArray(customModels) ? { customModels: customModels.map(withFile) } : {}),
    };
  }
  if (file.interpolate && 'model' in file.interpolate) out.interpolate = { ...file.interpolate, model: withFile(file.interpolate.model) };
  return out;
}

/** Reads and checks a config file; throws ConfigFileError (exit 2) naming the file and each bad key. */
export function loadConfigFile(path: string): ConfigFile {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`config file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`config file ${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigFileError(`config file ${path}: expected a JSON object`);
  const problems = configProblems(value);
  if (problems.length) throw new ConfigFileError(`config file ${path}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return resolvePaths(value as ConfigFile, dirname(file));
}
