// Errors that already carry an HTTP status (the http-errors convention that send, body-parser
// and serve-static follow: `status`/`statusCode`, `expose`, `headers`, `type`) -> the problem
// to answer with. They are the caller's doing (a range past the end, malformed JSON), so they
// keep their status and are not logged as our failures.
import type { ErrorCode } from '../../contract/errors.js';
import type { Problem } from '../../contract/problem.js';

export interface StatusError {
  status: number;
  message: string;
  /** body-parser's kind of failure, e.g. `entity.parse.failed`. */
  type?: string;
  /** Headers the answer must carry (send's 416 gives `Content-Range: bytes *\/size`). */
  headers?: Record<string, string>;
}

/** The error's 4xx status, or null when it carries none (or a 5xx: that one is ours). */
export function statusErrorOf(error: unknown): StatusError | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as { status?: unknown; statusCode?: unknown; message?: unknown; type?: unknown; headers?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : null;
  if (status === null || !Number.isInteger(status) || status < 400 || status > 499) return null;
  const headers = e.headers && typeof e.headers === 'object' ? stringHeaders(e.headers as Record<string, unknown>) : undefined;
  return { status, message: typeof e.message === 'string' ? e.message : '', type: typeof e.type === 'string' ? e.type : undefined, headers };
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === 'string' || typeof value === 'number') out[name] = String(value);
  return out;
}

// Details by status, not the error's message: send's 404 carries the server's file path.
const byStatus: Record<number, { code: ErrorCode; title: string; detail: string }> = {
  400: { code: 'BAD_REQUEST', title: 'Bad request', detail: 'The request is malformed.' },
  401: { code: 'UNAUTHENTICATED', title: 'Sign-in required', detail: 'This request needs a signed-in user.' },
  403: { code: 'FORBIDDEN', title: 'Not allowed', detail: 'This request is not allowed.' },
  404: { code: 'NOT_FOUND', title: 'Not found', detail: 'Nothing is at this address.' },
  412: { code: 'PRECONDITION_FAILED', title: 'Precondition failed', detail: 'The file does not match the request\'s If-Match or If-Unmodified-Since condition.' },
  413: { code: 'REQUEST_TOO_LARGE', title: 'Request too large', detail: 'The request is over the server limit.' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', title: 'Unsupported media type', detail: 'The server does not read a body of this type or encoding.' },
  416: { code: 'RANGE_NOT_SATISFIABLE', title: 'Range not satisfiable', detail: 'The requested range lies outside the file.' },
};

export function statusErrorProblem(error: StatusError, limits: { jsonBody?: string } = {}): Problem {
  const { status, type } = error;
  if (type === 'entity.parse.failed') {
    return { title: 'Malformed JSON', status, code: 'MALFORMED_JSON', detail: `The request body is not valid JSON: ${error.message}` };
  }
  if (type === 'entity.too.large') {
    const limit = limits.jsonBody ? ` of ${limits.jsonBody}` : '';
    return { title: 'Request too large', status, code: 'REQUEST_TOO_LARGE', detail: `The request body is over the limit${limit}; upload files with POST /uploads and send their ids instead.` };
  }
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return { title: 'Unsupported media type', status, code: 'UNSUPPORTED_MEDIA_TYPE', detail: `${error.message}; send JSON as UTF-8.` };
  }
  if (status === 416) {
    const range = error.headers?.['Content-Range'];
    const size = range?.startsWith('bytes */') ? range.slice('bytes */'.length) : null;
    return { title: 'Range not satisfiable', status, code: 'RANGE_NOT_SATISFIABLE', detail: `The requested range lies outside the file${size ? ` of ${size} bytes` : ''}.` };
  }
  const known = byStatus[status] ?? { code: 'BAD_REQUEST', title: 'Bad request', detail: `The request was refused (HTTP ${status}).` };
  return { title: known.title, status, code: known.code, detail: known.detail };
}
