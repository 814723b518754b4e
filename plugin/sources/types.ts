// What a host implements to offer its own media (screenshots, uploads it already stores) as
// references: the `sources` option of createMediaLab.
//
//   sources: [{
//     name: 'screenshots', label: 'Wiki screenshots',
//     async list(query, page) { return { items: [{ id: 'a.png', label: 'a.png' }], hasMore: false }; },
//     async open(id) { return { filename: 'a.png', path: '/srv/wiki/shots/a.png' }; },   // or { filename, stream }
//   }]
//
// open() returns null (or throws SourceItemError('missing', reason)) for an item that is gone,
// and throws SourceItemError('invalid', reason) for an id it never hands out (a path that
// climbs out of its folder): 404 SOURCE_ITEM_NOT_FOUND and 400 SOURCE_ITEM_INVALID.
import type { Readable } from 'node:stream';
import type { SourceItem } from '../../contract/sources.js';

export type { SourceItem };

export interface SourceListing {
  items: SourceItem[];
  /** Whether page + 1 has more items. */
  hasMore: boolean;
  total?: number;
}

export type SourceFile = { filename: string; path: string } | { filename: string; stream: Readable };

export interface MediaSource {
  /** Route-safe id: lower-case letters, digits, `-` and `_`. */
  name: string;
  label: string;
  /** One page (1-based) of the items matching `query` ('' for all). */
  list(query: string, page: number): Promise<SourceListing>;
  /** The item's bytes; null when there is no such item. */
  open(id: string): Promise<SourceFile | null>;
}

export class SourceItemError extends Error {
  constructor(
    readonly reason: 'missing' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SourceItemError';
  }
}

export const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
