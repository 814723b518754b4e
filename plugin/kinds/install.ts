// Registers the pipelines that are installed: each replaces its kind's placeholder entry.
import type { Knex } from 'knex';
import type { Router } from 'express';
import type { KindRegistry } from './registry.js';
import type { MediaLabOptions } from '../options.js';

export interface InstalledPipelines {
  routes: Router[];
  health?: () => Promise<Record<string, unknown>>;
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

export async function installPipelines(deps: {
  kinds: KindRegistry;
  knex: Knex;
  options: MediaLabOptions;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
}): Promise<InstalledPipelines> {
  void deps;
  return { routes: [] };
}
