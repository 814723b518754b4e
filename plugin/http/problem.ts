// RFC 9457 problem+json responses. Every error the API returns goes through here so clients
// always get `type`, `title`, `status`, `detail`, a stable `code` with its `advice` (the
// contract's table, the one the web components show) and, for invalid input, the fields.
import type { Response } from 'express';
import { ADVICE } from '../../contract/advice.js';
import type { ErrorCode, FieldIssue } from '../../contract/errors.js';
import type { Problem } from '../../contract/problem.js';

export type { Problem };

export function sendProblem(res: Response, problem: Problem): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: problem.type ?? 'about:blank', ...problem, advice: problem.advice ?? ADVICE[problem.code] }));
}

const TITLES: Partial<Record<ErrorCode, string>> = { IDEMPOTENCY_KEY_REUSED: 'Idempotency-Key reused' };

export function validationProblem(issues: FieldIssue[], status = 422, code: ErrorCode = 'VALIDATION_FAILED'): Problem {
  const fields = issues.map((i) => i.field).join(', ');
  return {
    title: code === 'VALIDATION_FAILED' ? 'Invalid request' : TITLES[code] ?? 'Invalid request',
    status,
    code,
    detail: issues.map((i) => `${i.field}: ${i.message}`).join('; ') || `Invalid fields: ${fields}`,
    errors: issues,
  };
}
