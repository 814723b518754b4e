// What "Export as chain preset" needs from the chain preset registry: publish a definition under
// a name as a new immutable version (the same content again returns the existing version).
// The chain registry (issue 13, chains) implements it; createMediaLab passes it in. Until then
// the lab uses memoryChainPresets(): versions kept in memory, per lab, for the workbench alone.
import { createHash } from 'node:crypto';
import type { ChainDefinition } from '../../contract/chains.js';
import type { ExportResult } from '../../contract/workbench.js';
import { canonicalJson } from './freshness.js';

export type PublishChainPreset = (name: string, definition: ChainDefinition, actor: string) => Promise<ExportResult>;

export interface MemoryChainPresets {
  publish: PublishChainPreset;
  /** name -> versions (1-based, oldest first). */
  versions(name: string): Array<{ version: number; hash: string; definition: ChainDefinition; actor: string }>;
}

export function memoryChainPresets(): MemoryChainPresets {
  const byName = new Map<string, Array<{ version: number; hash: string; definition: ChainDefinition; actor: string }>>();
  return {
    async publish(name, definition, actor) {
      const hash = createHash('sha256').update(canonicalJson(definition)).digest('hex');
      const list = byName.get(name) ?? [];
      const same = list.find((v) => v.hash === hash);
      if (same) return { name, version: same.version, hash, created: false };
      const version = list.length + 1;
      byName.set(name, [...list, { version, hash, definition, actor }]);
      return { name, version, hash, created: true };
    },
    versions: (name) => [...(byName.get(name) ?? [])],
  };
}
