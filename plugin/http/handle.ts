// Wraps async route handlers and maps every error type to its problem+json answer.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MediaLabError, ValidationError, type ErrorCode } from '../core/errors.js';
import { NotFound, QuotaError, TransitionConflict } from '../jobs/service.js';
import { sendProblem, validationProblem } from './problem.js';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  UNSUPPORTED_FORMAT: 415,
  CORRUPT_INPUT: 422,
  INPUT_TOO_LARGE: 413,
  INPUT_MISSING: 422,
  PRESET_NOT_FOUND: 422,
  PRESET_INVALID: 422,
  VALIDATION_FAILED: 422,
};

export function problemFromError(res: Response, error: unknown): void {
  if (error instanceof ValidationError) return sendProblem(res, validationProblem(error.issues, error.status));
  if (error instanceof NotFound) return sendProblem(res, { title: 'Not found', status: 404, detail: error.message });
  if (error instanceof TransitionConflict) {
    return sendProblem(res, { title: 'Conflict', status: 409, detail: error.message, currentStatus: error.job.status });
  }
  if (error instanceof QuotaError) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    return sendProblem(res, { title: 'Quota exceeded', status: 429, code: 'QUOTA_EXCEEDED', detail: error.message, retryAfter: error.retryAfterSeconds });
  }
  if (error instanceof MediaLabError) {
    return sendProblem(res, { title: error.code, status: statusByCode[error.code] ?? 500, code: error.code, detail: error.message });
  }
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError?.type === 'entity.parse.failed') {
    return sendProblem(res, { title: 'Malformed JSON', status: 400, detail: `The request body is not valid JSON: ${parserError.message}` });
  }
  if (parserError?.type === 'entity.too.large') {
    return sendProblem(res, { title: 'Request too large', status: 413, detail: 'The JSON body is over the 2 MB limit; upload files with POST /uploads instead.' });
  }
  console.error('[media-lab] unhandled error', error);
  sendProblem(res, { title: 'Internal error', status: 500, detail: 'Media Lab hit an unexpected error; the server log has the details.' });
}

export function route(handler: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy(error as Error);
          return;
        }
        problemFromError(res, error);
      });
  };
}
