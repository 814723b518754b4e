// Removes an object file once no artifact row points to it. Identical bytes share one object,
// so this must not race an upload or output of the same bytes: LocalStorage.removeUnreferenced
// counts the rows again after moving the file aside, and adopt() puts a taken file back.
import type { Knex } from 'knex';
import type { LocalStorage } from './storage.js';
import { countByStorageKey } from './store.js';

export function removeIfUnreferenced(knex: Knex, storage: LocalStorage, storageKey: string): Promise<boolean> {
  return storage.removeUnreferenced(storageKey, () => countByStorageKey(knex, storageKey));
}
