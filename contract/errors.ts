// Stable error codes and the errors that carry them: the UI, the API clients and the bridge
// switch on these codes, never on message text.
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INPUT_MISSING',
  'INPUT_KIND_MISMATCH',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_INPUT',
  'INPUT_TOO_LARGE',
  'EXECUTOR_UNAVAILABLE',
  'EXECUTOR_FAILED',
  'MODEL_UNAVAILABLE',
  'COMFY_UNREACHABLE',
  'COMFY_VALIDATION',
  'COMFY_EXECUTION',
  'COMFY_LOST',
  /** A script preset's script (ComfyUI-SaveAsScript export) exited non-zero or wrote no output. */
  'SCRIPT_FAILED',
  'PRESET_NOT_FOUND',
  'PRESET_INVALID',
  'CANCELLED',
  'LEASE_LOST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'QUOTA_EXCEEDED',
  'TIMEOUT',
  // Chains
  'UPSTREAM_FAILED',
  // A host's media sources (the `sources` option)
  'SOURCE_NOT_FOUND',
  'SOURCE_ITEM_NOT_FOUND',
  'SOURCE_ITEM_INVALID',
  'SOURCE_UNAVAILABLE',
  // The request itself (HTTP answers that end no job)
  'NOT_FOUND',
  'ILLEGAL_TRANSITION',
  'NOT_STALE',
  'NOT_REPRODUCIBLE',
  'BAD_REQUEST',
  'MALFORMED_JSON',
  'REQUEST_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RANGE_NOT_SATISFIABLE',
  'PRECONDITION_FAILED',
  'IDEMPOTENCY_KEY_REUSED',
  // The workbench: a step whose upstream results are missing, failed or stale
  'UPSTREAM_NOT_READY',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error that ends a job (or an attempt) with a stable code. */
export class MediaLabError extends Error {
  readonly code: ErrorCode;
  /** Transient errors are retried with backoff while attempts remain. */
  readonly transient: boolean;
  constructor(code: ErrorCode, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'MediaLabError';
    this.code = code;
    this.transient = options.transient ?? false;
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `params.targetFps` or `inputs[0]`. */
  field: string;
  message: string;
}

/** Invalid input from a caller: becomes a 422 problem+json naming the fields (code
 * VALIDATION_FAILED unless a more precise one is given, e.g. IDEMPOTENCY_KEY_REUSED). */
export class ValidationError extends Error {
  readonly issues: FieldIssue[];
  readonly status: number;
  readonly code: ErrorCode;
  constructor(issues: FieldIssue[], options: { status?: number; title?: string; code?: ErrorCode } = {}) {
    super(options.title ?? issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'ValidationError';
    this.issues = issues;
    this.status = options.status ?? 422;
    this.code = options.code ?? 'VALIDATION_FAILED';
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
