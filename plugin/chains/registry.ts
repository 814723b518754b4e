// Chain presets: versioned and immutable like ComfyUI presets, in the same table
// (`media_presets`, kind `chain`, one namespace of names). Publishing a definition whose hash the
// name already has returns that version; anything else becomes version max+1. Files in the chains
// folder (`<name>.json`) are published at start-up and, with `watch`, when they change; a broken
// file is reported and never replaces a working version.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Knex } from 'knex';
import { watch } from 'chokidar';
import { canonicalJson } from '../../bridge/presets/hash.js';
import { publishChainSchema, type ChainDefinition, type ChainDiff, type ChainPreset } from '../../contract/chains.js';
import { zodIssues } from '../../contract/zod-issues.js';
import { ValidationError } from '../core/errors.js';
import { toIso } from '../core/time.js';
import type { JsonObject, StaleCheck, StaleReason } from '../core/types.js';
import { CHAIN_KIND, PRESETS_TABLE, type PresetRow } from '../pipelines/comfy/preset-registry.js';
import { checkChain, type ChainCheckDeps } from './validate.js';
import { isUniqueViolation } from '../db/errors.js';

export type ChainSource = ChainPreset['source'];

export interface ChainProblem {
  source: string;
  name: string | null;
  message: string;
  at: string;
}

type ChainRow = PresetRow;

function fromRow(row: ChainRow): ChainPreset {
  const definition = JSON.parse(row.definition) as ChainDefinition;
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    hash: row.hash,
    source: row.source as ChainSource,
    createdAt: toIso(row.created_at),
    description: definition.description ?? null,
    definition,
  };
}

/** sha256 of the canonical definition; the description is left out (rewording is not a new version). */
export function chainHash(definition: ChainDefinition): string {
  return createHash('sha256').update(canonicalJson({ ...definition, description: undefined })).digest('hex');
}

export class ChainRegistry {
  private readonly problems = new Map<string, ChainProblem>();
  private readonly cache = new Map<string, ChainPreset>();
  /** Names whose current version comes from a file this process loaded (a reverted file wins over the newest, as for ComfyUI presets). */
  private readonly activeFromFiles = new Map<string, number>();
  private watchers: Array<{ close(): Promise<void> }> = [];

  constructor(
    private readonly knex: Knex,
    private readonly deps: ChainCheckDeps,
    private readonly log: { info(message: string): void; warn(message: string): void } = { info: () => undefined, warn: () => undefined },
  ) {}

  /** Checks and stores `{ name, ...definition }`; ValidationError names every problem (422). */
  async publish(input: unknown, source: ChainSource): Promise<{ chain: ChainPreset; created: boolean }> {
    const parsed = publishChainSchema.safeParse(input);
    if (!parsed.success) throw new ValidationError(zodIssues(parsed.error, [], input ?? {}));
    const { name, ...raw } = parsed.data;
    const { definition } = await checkChain(raw, this.deps);
    const hash = chainHash(definition);
    for (let attempt = 0; ; attempt++) {
      try {
        const published = await this.knex.transaction(async (trx) => {
          const same = (await trx<ChainRow>(PRESETS_TABLE).where({ name, hash }).first()) as ChainRow | undefined;
          if (same && same.kind === CHAIN_KIND) return { chain: fromRow(same), created: false };
          const last = (await trx<ChainRow>(PRESETS_TABLE).where({ name }).orderBy('version', 'desc').first()) as ChainRow | undefined;
          if (last && last.kind !== CHAIN_KIND) {
            throw new ValidationError([{ field: 'name', message: `"${name}" is a ${last.kind} preset; publish the chain under another name` }]);
          }
          const row: ChainRow = {
            id: randomUUID(),
            name,
            version: Number(last?.version ?? 0) + 1,
            hash,
            kind: CHAIN_KIND,
            definition: JSON.stringify(definition),
            parameters: JSON.stringify(definition.inputs),
            source,
            created_at: new Date().toISOString(),
          };
          await trx(PRESETS_TABLE).insert(row);
          return { chain: fromRow(row), created: true };
        });
        // What the API publishes is current; a file's version is current while its file is.
        if (source === 'api') this.activeFromFiles.delete(name);
        else this.activeFromFiles.set(name, published.chain.version);
        return published;
      } catch (error) {
        // Another process published the same name at the same moment: read again.
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /**
   * A version; with `version` null the current one: the version of the chain file this process
   * loaded last when there is one (a file reverted to older content makes that version current
   * again), else the newest. null when there is none.
   */
  async get(name: string, version: number | null = null): Promise<ChainPreset | null> {
    version ??= this.activeFromFiles.get(name) ?? null;
    if (version !== null) {
      const key = `${name}@${version}`;
      const cached = this.cache.get(key);
      if (cached) return cached;
      const row = (await this.knex<ChainRow>(PRESETS_TABLE).where({ name, version, kind: CHAIN_KIND }).first()) as ChainRow | undefined;
      if (!row) return null;
      const chain = fromRow(row);
      this.cache.set(key, chain); // versions never change
      return chain;
    }
    const row = (await this.knex<ChainRow>(PRESETS_TABLE).where({ name, kind: CHAIN_KIND }).orderBy('version', 'desc').first()) as ChainRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * The staleness rule of chain jobs: a chain that ran a chain preset version that a newer one
   * has superseded is stale (CHAIN_SUPERSEDED; its steps' outputs with it, see
   * plugin/lineage/staleness.ts). The newest versions are read from the table when asked, so a
   * version published by any process counts at once.
   */
  async staleness(checks: StaleCheck[]): Promise<Map<string, StaleReason>> {
    const stale = new Map<string, StaleReason>();
    const pinned = checks.map((c) => c.job).filter((j) => j.workflow === 'chain' && j.preset && j.preset.version !== null);
    if (pinned.length === 0) return stale;
    const names = [...new Set(pinned.map((j) => j.preset!.name))];
    const rows = (await this.knex<ChainRow>(PRESETS_TABLE).select('name').max({ version: 'version' }).whereIn('name', names).where({ kind: CHAIN_KIND }).groupBy('name')) as Array<{ name: string; version: number | string }>;
    const newest = new Map(rows.map((r) => [r.name, Number(r.version)]));
    for (const job of pinned) {
      const { name, version } = job.preset!;
      const current = newest.get(name);
      if (current === undefined || version === null || current <= version) continue;
      stale.set(job.id, { code: 'CHAIN_SUPERSEDED', message: `chain "${name}" v${version} was superseded by v${current}`, jobId: job.id, recorded: `v${version}`, current: `v${current}` });
    }
    return stale;
  }

  async versions(name: string): Promise<ChainPreset[]> {
    const rows = (await this.knex<ChainRow>(PRESETS_TABLE).where({ name, kind: CHAIN_KIND }).orderBy('version', 'asc')) as ChainRow[];
    return rows.map(fromRow);
  }

  /** The current version of every chain preset (see get), by name, with how many versions each has. */
  async list(): Promise<Array<{ chain: ChainPreset; versions: number }>> {
    const rows = (await this.knex<ChainRow>(PRESETS_TABLE).where({ kind: CHAIN_KIND }).orderBy([{ column: 'name' }, { column: 'version' }])) as ChainRow[];
    const byName = new Map<string, ChainRow[]>();
    for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
    return [...byName.entries()].map(([name, list]) => {
      const active = this.activeFromFiles.get(name);
      const current = list.find((row) => Number(row.version) === active) ?? list[list.length - 1]!;
      return { chain: fromRow(current), versions: list.length };
    });
  }

  async diff(name: string, from: number, to: number): Promise<{ from: ChainPreset; to: ChainPreset; diff: Omit<ChainDiff, 'name' | 'from' | 'to'> } | null> {
    const [a, b] = await Promise.all([this.get(name, from), this.get(name, to)]);
    if (!a || !b) return null;
    return { from: a, to: b, diff: diffChains(a.definition, b.definition) };
  }

  /** Problems with chain files right now (fixed files drop out). */
  fileProblems(): ChainProblem[] {
    return [...this.problems.values()];
  }

  /** Publishes every `*.json` in `dir`; broken files are reported, the rest load. */
  async syncDirectory(dir: string, source: ChainSource = 'shipped'): Promise<ChainPreset[]> {
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => extname(f) === '.json').sort();
    } catch {
      return []; // no chains folder: nothing to load
    }
    const loaded: ChainPreset[] = [];
    for (const file of files) {
      const chain = await this.loadFile(join(dir, file), source);
      if (chain) loaded.push(chain);
    }
    return loaded;
  }

  /** Re-reads one chain file; the version now current, or null when the file is broken. */
  async loadFile(path: string, source: ChainSource = 'file'): Promise<ChainPreset | null> {
    const name = basename(path, '.json');
    try {
      let body: unknown;
      try {
        body = JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch (error) {
        throw new ValidationError([{ field: basename(path), message: `is not valid JSON (${(error as Error).message})` }]);
      }
      const withName = body && typeof body === 'object' && !Array.isArray(body) ? { name, ...(body as JsonObject) } : body;
      const { chain, created } = await this.publish(withName, source);
      this.problems.delete(path);
      if (created) this.log.info(`[media-lab] chain ${chain.name} v${chain.version} (${chain.hash.slice(0, 12)}) from ${path}`);
      return chain;
    } catch (error) {
      const message = error instanceof ValidationError ? error.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : (error as Error).message;
      this.problems.set(path, { source: path, name, message, at: new Date().toISOString() });
      this.log.warn(`[media-lab] chain problem in ${path}: ${message} (the working version, if any, stays in use)`);
      return null;
    }
  }

  /** Watches `dir` and publishes changed chain files (chokidar). */
  async watch(dir: string, source: ChainSource = 'file'): Promise<void> {
    const timers = new Map<string, NodeJS.Timeout>();
    const watcher = watch(dir, { ignoreInitial: true, depth: 0 });
    watcher.on('all', (event, path) => {
      if (extname(path) !== '.json' || event === 'unlink') return;
      clearTimeout(timers.get(path));
      timers.set(path, setTimeout(() => void this.loadFile(path, source), 150));
    });
    watcher.on('error', () => undefined);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watchers.push({
      close: async () => {
        for (const timer of timers.values()) clearTimeout(timer);
        await watcher.close();
      },
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.watchers.splice(0).map((w) => w.close()));
  }
}

const same = (x: unknown, y: unknown) => canonicalJson(x) === canonicalJson(y);

function fieldChanges(x: Record<string, unknown>, y: Record<string, unknown>, skip: string[]): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (!skip.includes(key) && !same(x[key], y[key])) out[key] = { from: x[key], to: y[key] };
  }
  return out;
}

/** Inputs and steps added, removed and changed (field by field), and the outputs. */
export function diffChains(from: ChainDefinition, to: ChainDefinition): Omit<ChainDiff, 'name' | 'from' | 'to'> {
  const compare = <T extends object>(a: T[], b: T[], key: (t: T) => string) => {
    const before = new Map(a.map((t) => [key(t), t]));
    const after = new Map(b.map((t) => [key(t), t]));
    const changed: Array<{ name: string; fields: Record<string, { from: unknown; to: unknown }> }> = [];
    for (const [k, t] of before) {
      const other = after.get(k);
      if (!other) continue;
      const fields = fieldChanges(t as Record<string, unknown>, other as Record<string, unknown>, []);
      if (Object.keys(fields).length) changed.push({ name: k, fields });
    }
    return { added: [...after.keys()].filter((k) => !before.has(k)), removed: [...before.keys()].filter((k) => !after.has(k)), changed };
  };
  const inputs = compare(from.inputs, to.inputs, (i) => i.name);
  const steps = compare(from.steps, to.steps, (s) => s.id);
  return {
    inputs,
    steps: { added: steps.added, removed: steps.removed, changed: steps.changed.map(({ name, fields }) => ({ id: name, fields })) },
    outputs: same(from.outputs, to.outputs) ? null : { from: from.outputs ?? null, to: to.outputs ?? null },
  };
}
