// What "Export as chain preset" needs from the chain preset registry: publish a definition under
// a name as a new immutable version (the same content again returns the existing version).
// The chain preset registry (plugin/chains/registry.ts) implements it; createMediaLab passes it in.
import type { ChainDefinition } from '../../contract/chains.js';
import type { ExportResult } from '../../contract/workbench.js';

export type PublishChainPreset = (name: string, definition: ChainDefinition, actor: string) => Promise<ExportResult>;
