// Versioned, immutable presets in `media_presets`. Publishing content whose hash a name already
// has returns that version; anything else becomes version max+1. Files in the presets folder
// (shipped and hand-made) are published at start-up and on change; a broken file is reported
// and never replaces a working version.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { buildPresetDefinition, PresetInvalidError, type PresetInput } from '../../../bridge/presets/definition.js';
import { diffPresets, type PresetDiff } from '../../../bridge/presets/diff.js';
import { buildScriptPresetDefinition, type ScriptPresetInput } from '../../../bridge/presets/script-definition.js';
import { loadPresetFolder, problemFrom, scanPresetsDir, watchPresetsDir } from '../../../bridge/presets/files.js';
import { parametersJsonSchema } from '../../../bridge/presets/params.js';
import type { PresetDefinition, PresetManifest, PresetProblem, PresetVersion } from '../../../bridge/types.js';
import { MediaLabError } from '../../core/errors.js';
import { toIso } from '../../core/time.js';
import { isUniqueViolation } from '../../db/errors.js';

export const PRESETS_TABLE = 'media_presets';
/** Chain presets share the table (and the namespace of names) with kind `chain`: plugin/chains/registry.ts. */
export const CHAIN_KIND = 'chain';

export type PresetSource = PresetVersion['source'];

/** A row of media_presets (ComfyUI and script presets, and chain presets: plugin/chains/registry.ts). */
export interface PresetRow {
  id: string;
  name: string;
  version: number | string;
  hash: string;
  kind: string;
  definition: string;
  parameters: string;
  source: string;
  created_at: unknown;
}

export interface PublishResult {
  preset: PresetVersion;
  created: boolean;
  inferred: boolean;
}

export interface RegistryLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Which preset a kind uses when a job names none. */
export const DEFAULT_PRESET_BY_KIND: Record<PresetManifest['kind'], string> = {
  generate: 'txt2img',
  blend: 'character-blend',
  music: 'music',
  voice: 'voice',
};

function fromRow(row: PresetRow): PresetVersion {
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    hash: row.hash,
    kind: row.kind as PresetVersion['kind'],
    source: row.source as PresetSource,
    createdAt: toIso(row.created_at),
    definition: JSON.parse(row.definition) as PresetDefinition,
  };
}

/** List order: `order` ascending (absent last), then name. */
export function comparePresetOrder(a: PresetVersion, b: PresetVersion): number {
  const oa = a.definition.manifest.order ?? Number.POSITIVE_INFINITY;
  const ob = b.definition.manifest.order ?? Number.POSITIVE_INFINITY;
  if (oa !== ob) return oa < ob ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class PresetRegistry {
  private readonly byVersion = new Map<string, PresetVersion>();
  private readonly fileProblems = new Map<string, PresetProblem>();
  /** Names whose current version comes from a file this process loaded (a reverted file wins over max). */
  private readonly activeFromFiles = new Map<string, number>();
  private watchers: Array<{ close(): Promise<void> }> = [];

  constructor(
    private readonly knex: Knex,
    private readonly logger: RegistryLogger = { info: () => undefined, warn: () => undefined },
  ) {}

  /** Stores a new version, or returns the version that already has this content. */
  async publish(input: PresetInput | ScriptPresetInput, source: PresetSource, origin?: string): Promise<PublishResult> {
    const built = 'script' in input && input.script ? buildScriptPresetDefinition(input, origin) : buildPresetDefinition(input as PresetInput, origin);
    const { manifest } = built.definition;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.knex.transaction(async (trx) => {
          const same = (await trx<PresetRow>(PRESETS_TABLE).where({ name: manifest.name, hash: built.hash }).first()) as PresetRow | undefined;
          if (same) return { preset: fromRow(same), created: false };
          const other = (await trx<PresetRow>(PRESETS_TABLE).where({ name: manifest.name }).orderBy('version', 'desc').first()) as PresetRow | undefined;
          if (other && other.kind !== manifest.kind) {
            throw new PresetInvalidError([{ field: 'kind', message: `preset "${manifest.name}" is a ${other.kind} preset; publish a ${manifest.kind} workflow under another name` }], origin);
          }
          const row: PresetRow = {
            id: randomUUID(),
            name: manifest.name,
            version: Number(other?.version ?? 0) + 1,
            hash: built.hash,
            kind: manifest.kind,
            definition: JSON.stringify(built.definition),
            parameters: JSON.stringify(parametersJsonSchema(manifest.parameters)),
            source,
            created_at: new Date().toISOString(),
          };
          await trx(PRESETS_TABLE).insert(row);
          return { preset: fromRow(row), created: true };
        });
        if (source === 'api') this.activeFromFiles.delete(manifest.name);
        return { ...result, inferred: built.inferred };
      } catch (error) {
        // Another process published the same name at the same moment: read again.
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** A version (the current one when `version` is null); null when there is none. */
  async get(name: string, version: number | null = null): Promise<PresetVersion | null> {
    const wanted = version ?? this.activeFromFiles.get(name) ?? null;
    if (wanted !== null) {
      const key = `${name}@${wanted}`;
      const cached = this.byVersion.get(key);
      if (cached) return cached;
      const row = (await this.knex<PresetRow>(PRESETS_TABLE).where({ name, version: wanted }).whereNot('kind', CHAIN_KIND).first()) as PresetRow | undefined;
      if (!row) return null;
      const preset = fromRow(row);
      this.byVersion.set(key, preset);
      return preset;
    }
    const row = (await this.knex<PresetRow>(PRESETS_TABLE).where({ name }).whereNot('kind', CHAIN_KIND).orderBy('version', 'desc').first()) as PresetRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** The exact version a job recorded; PRESET_NOT_FOUND / PRESET_INVALID when it is gone or changed. */
  async require(ref: { name: string; version: number | null; hash: string | null }): Promise<PresetVersion> {
    const preset = await this.get(ref.name, ref.version);
    if (!preset) {
      throw new MediaLabError('PRESET_NOT_FOUND', `preset "${ref.name}"${ref.version !== null ? ` version ${ref.version}` : ''} does not exist`);
    }
    if (ref.hash && preset.hash !== ref.hash) {
      throw new MediaLabError('PRESET_INVALID', `preset "${ref.name}" version ${preset.version} has hash ${preset.hash}, but the job recorded ${ref.hash}`);
    }
    return preset;
  }

  /**
   * The newest published version of each name (the highest number in the table, whatever a
   * process's files pin): one query, read from the database so every process agrees.
   */
  async newestVersions(names: string[]): Promise<Map<string, { version: number; hash: string }>> {
    const newest = new Map<string, { version: number; hash: string }>();
    if (names.length === 0) return newest;
    const rows = (await this.knex<PresetRow>(PRESETS_TABLE).select('name', 'version', 'hash').whereIn('name', [...new Set(names)])) as PresetRow[];
    for (const row of rows) {
      const version = Number(row.version);
      if ((newest.get(row.name)?.version ?? 0) < version) newest.set(row.name, { version, hash: row.hash });
    }
    return newest;
  }

  async versions(name: string): Promise<PresetVersion[]> {
    const rows = (await this.knex<PresetRow>(PRESETS_TABLE).where({ name }).whereNot('kind', CHAIN_KIND).orderBy('version', 'asc')) as PresetRow[];
    return rows.map(fromRow);
  }

  /**
   * The current version of every preset with how many versions each has, in list order: the
   * manifest's `order` (lower first), then those without one; by name within the same order.
   */
  async list(): Promise<Array<{ preset: PresetVersion; versions: number }>> {
    const rows = (await this.knex<PresetRow>(PRESETS_TABLE).whereNot('kind', CHAIN_KIND).orderBy([{ column: 'name' }, { column: 'version' }])) as PresetRow[];
    const byName = new Map<string, PresetRow[]>();
    for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
    const current = [...byName.entries()].map(([name, list]) => {
      const active = this.activeFromFiles.get(name);
      const row = list.find((r) => Number(r.version) === active) ?? list[list.length - 1];
      return { preset: fromRow(row), versions: list.length };
    });
    return current.sort((a, b) => comparePresetOrder(a.preset, b.preset));
  }

  /** The preset a kind uses when a job names none. */
  async defaultFor(kind: PresetManifest['kind']): Promise<PresetVersion | null> {
    const named = await this.get(DEFAULT_PRESET_BY_KIND[kind]);
    if (named && named.kind === kind) return named;
    return (await this.list()).map((l) => l.preset).find((p) => p.kind === kind) ?? null;
  }

  async diff(name: string, from: number, to: number): Promise<{ from: PresetVersion; to: PresetVersion; diff: PresetDiff } | null> {
    const [a, b] = await Promise.all([this.get(name, from), this.get(name, to)]);
    if (!a || !b) return null;
    return { from: a, to: b, diff: diffPresets(a.definition, b.definition) };
  }

  /** Problems with preset files right now (fixed files drop out). */
  problems(): PresetProblem[] {
    return [...this.fileProblems.values()];
  }

  /** Publishes every preset folder under `dir`; broken ones are reported, the rest load. */
  async syncDirectory(dir: string, source: PresetSource = 'shipped'): Promise<{ loaded: PresetVersion[]; problems: PresetProblem[] }> {
    const { presets, problems } = await scanPresetsDir(dir);
    const loaded: PresetVersion[] = [];
    for (const problem of problems) this.report(problem);
    for (const { folder, built } of presets) {
      const version = await this.publishFolder(folder, built.definition, source);
      if (version) loaded.push(version);
    }
    return { loaded, problems: this.problems() };
  }

  /** Re-reads one preset folder (hot reload). Returns the version now current, or null if the folder is broken. */
  async reloadFolder(folder: string, source: PresetSource = 'file'): Promise<PresetVersion | null> {
    try {
      const built = await loadPresetFolder(folder);
      return await this.publishFolder(folder, built.definition, source);
    } catch (error) {
      this.report(problemFrom(error, folder, null));
      return null;
    }
  }

  /** Watches `dir` and reloads changed folders (chokidar). */
  async watch(dir: string, source: PresetSource = 'file'): Promise<void> {
    const watcher = watchPresetsDir(dir, (folder) => void this.reloadFolder(folder, source));
    this.watchers.push(watcher);
    await watcher.ready;
  }

  async close(): Promise<void> {
    await Promise.all(this.watchers.splice(0).map((w) => w.close()));
  }

  private async publishFolder(folder: string, definition: PresetDefinition, source: PresetSource): Promise<PresetVersion | null> {
    try {
      const input = definition.script
        ? { ...definition.manifest, script: { file: definition.script.file, text: definition.script.text } }
        : { ...definition.manifest, workflow: definition.workflow };
      const { preset, created } = await this.publish(input, source, folder);
      this.activeFromFiles.set(preset.name, preset.version);
      for (const key of this.fileProblems.keys()) if (key === folder || key.startsWith(`${folder}/`)) this.fileProblems.delete(key);
      if (created) this.logger.info(`[media-lab] preset ${preset.name} v${preset.version} (${preset.hash.slice(0, 12)}) from ${folder}`);
      return preset;
    } catch (error) {
      this.report(problemFrom(error, folder, definition.manifest.name));
      return null;
    }
  }

  private report(problem: PresetProblem): void {
    const folderOf = (source: string) => source.replace(/\/((workflow|manifest)\.json|script\.py)$/, '');
    const folderKey = folderOf(problem.source);
    for (const key of this.fileProblems.keys()) if (folderOf(key) === folderKey) this.fileProblems.delete(key);
    this.fileProblems.set(problem.source, problem);
    this.logger.warn(`[media-lab] preset problem in ${problem.source}: ${problem.message} (the working version, if any, stays in use)`);
  }
}
