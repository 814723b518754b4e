// Wraps async route handlers and maps every error type to its problem+json answer.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { MediaLabError, ValidationError, type ErrorCode } from '../core/errors.js';
import { NotFound, QuotaError, TransitionConflict } from '../jobs/service.js';
import { sendProblem, validationProblem } from './problem.js';
import { statusErrorOf, statusErrorProblem } from './status-errors.js';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  UNSUPPORTED_FORMAT: 415,
  CORRUPT_INPUT: 422,
  INPUT_TOO_LARGE: 413,
  INPUT_MISSING: 422,
  PRESET_NOT_FOUND: 422,
  PRESET_INVALID: 422,
  VALIDATION_FAILED: 422,
  NOT_STALE: 409,
  NOT_REPRODUCIBLE: 409,
  UPSTREAM_NOT_READY: 409,
};

export interface ProblemOptions {
  /** The JSON body limit in words (e.g. `2 MB`), for the 413 detail. */
  jsonBodyLimit?: string;
}

/** Headers a route set for the content it meant to send (a year of immutable caching, the
 * content's ETag): an error answer must not carry them. */
const CONTENT_HEADERS = ['Cache-Control', 'ETag', 'Last-Modified', 'Content-Range', 'Content-Disposition'];

export function problemFromError(res: Response, error: unknown, options: ProblemOptions = {}): void {
  for (const name of CONTENT_HEADERS) res.removeHeader(name);
  if (error instanceof ValidationError) return sendProblem(res, validationProblem(error.issues, error.status, error.code));
  if (error instanceof NotFound) return sendProblem(res, { title: 'Not found', status: 404, code: 'NOT_FOUND', detail: error.message });
  if (error instanceof TransitionConflict) {
    return sendProblem(res, { title: 'Conflict', status: 409, code: 'ILLEGAL_TRANSITION', detail: error.message, currentStatus: error.job.status });
  }
  if (error instanceof QuotaError) {
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    return sendProblem(res, { title: 'Quota exceeded', status: 429, code: 'QUOTA_EXCEEDED', detail: error.message, retryAfter: error.retryAfterSeconds });
  }
  if (error instanceof MediaLabError) {
    const status = statusByCode[error.code] ?? 500;
    return sendProblem(res, { title: status === 409 ? 'Conflict' : error.code, status, code: error.code, detail: error.message });
  }
  // send (416, 412, 404), body-parser (400, 413, 415), serve-static: the caller's doing.
  const statusError = statusErrorOf(error);
  if (statusError) {
    for (const [name, value] of Object.entries(statusError.headers ?? {})) res.setHeader(name, value);
    return sendProblem(res, statusErrorProblem(statusError, { jsonBody: options.jsonBodyLimit }));
  }
  console.error('[media-lab] unhandled error', error);
  sendProblem(res, { title: 'Internal error', status: 500, code: 'INTERNAL', detail: 'Media Lab hit an unexpected error; the server log has the details.' });
}

/** Express error middleware answering with problemFromError (unless the answer has begun). */
export function problemHandler(options: ProblemOptions = {}): ErrorRequestHandler {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    problemFromError(res, error, options);
  };
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
