// RFC 9457 problem+json responses. Every error the API returns goes through here so clients
// always get `type`, `title`, `status`, `detail` and, for invalid input, the offending fields.
import type { Response } from 'express';
import type { FieldIssue } from '../../contract/errors.js';
import type { Problem } from '../../contract/problem.js';

export type { Problem };

export function sendProblem(res: Response, problem: Problem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: problem.type ?? 'about:blank', ...problem }));
}

export function validationProblem(issues: FieldIssue[], status = 422): Problem {
  const fields = issues.map((i) => i.field).join(', ');
  return {
    title: 'Invalid request',
    status,
    code: 'VALIDATION_FAILED',
    detail: issues.map((i) => `${i.field}: ${i.message}`).join('; ') || `Invalid fields: ${fields}`,
    errors: issues,
  };
}
