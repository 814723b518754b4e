// Query strings checked by the contract's zod schemas; bad ones become 422 naming `query.<field>`.
import type { Request } from 'express';
import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';
import { zodIssues } from '../../contract/zod-issues.js';

export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const result = schema.safeParse(req.query);
  if (!result.success) throw new ValidationError(zodIssues(result.error, ['query'], req.query));
  return result.data;
}

/** Fetches one row more than the page to know whether there is a next one. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}
