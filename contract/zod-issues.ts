// zod issues -> the contract's field issues with dotted paths (`params.targetFps`, `inputs[0]`).
import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc ? `${acc}.${String(part)}` : String(part);
  }, '');
}

export function zodIssues(error: z.ZodError, prefix: PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: fieldPath([...prefix, ...issue.path]) || prefix.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}
