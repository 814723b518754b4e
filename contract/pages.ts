// Cursor paging: every list answer is `{ items, nextCursor }`; pass nextCursor back as `cursor`.
import { z } from 'zod';

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Answers that list everything at once (`GET /jobs/:id/events`, `GET /kinds`). */
export function itemsSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item) });
}

export interface Items<T> {
  items: T[];
}
