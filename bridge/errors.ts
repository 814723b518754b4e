// ComfyUI failures as MediaLabErrors with stable codes, and messages that name the node and the
// input (and, where the caller knows it, the preset parameter) so the user knows what to fix.
import { MediaLabError } from '../contract/errors.js';
import type { ExecutionFailure, PromptRejection } from './types.js';

export { MediaLabError };

/** The backend did not answer (connection refused, timeout, 5xx, socket gone for too long). Retryable. */
export class ComfyUnreachableError extends MediaLabError {
  constructor(
    readonly backend: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super('COMFY_UNREACHABLE', `ComfyUI backend "${backend}" is unreachable: ${detail}`, { transient: true, cause: options.cause });
  }
}

/** Names a node input the way users think of it: a preset parameter when one targets it. */
export type InputNamer = (nodeId: string, input: string) => string | undefined;

export function describeRejection(rejection: PromptRejection, nameInput?: InputNamer): string {
  const parts: string[] = [];
  for (const [nodeId, nodeError] of Object.entries(rejection.node_errors ?? {})) {
    for (const e of nodeError.errors) {
      const input = typeof e.extra_info?.input_name === 'string' ? e.extra_info.input_name : null;
      const param = input ? nameInput?.(nodeId, input) : undefined;
      const where = `node ${nodeId} (${nodeError.class_type})${input ? ` input "${input}"` : ''}${param ? ` [parameter "${param}"]` : ''}`;
      const detail = e.details && !e.message.includes(e.details) && e.details !== input ? ` (${e.details})` : '';
      parts.push(`${where}: ${e.message}${detail}`);
    }
  }
  if (parts.length === 0) {
    const { message, details } = rejection.error ?? { message: 'unknown error', details: '' };
    parts.push(details ? `${message} (${details})` : message);
  }
  return parts.join('; ');
}

/** POST /prompt answered 400: the prompt does not fit the server (missing node, bad value, missing file). */
export class ComfyRejectedError extends MediaLabError {
  constructor(
    readonly backend: string,
    readonly rejection: PromptRejection,
    nameInput?: InputNamer,
  ) {
    super('COMFY_VALIDATION', `ComfyUI "${backend}" rejected the prompt: ${describeRejection(rejection, nameInput)}`);
  }
}

/** The prompt ran and a node raised an exception. */
export class ComfyExecutionError extends MediaLabError {
  constructor(
    readonly backend: string,
    readonly failure: ExecutionFailure,
  ) {
    const text = failure.exceptionMessage.trim();
    super('COMFY_EXECUTION', `ComfyUI "${backend}" failed in node ${failure.nodeId} (${failure.nodeType}): ${failure.exceptionType}: ${text}`);
  }
}

/** The server no longer knows the prompt: not queued, not running, not in history (it restarted). */
export class ComfyLostError extends MediaLabError {
  constructor(
    readonly backend: string,
    readonly promptId: string,
  ) {
    super('COMFY_LOST', `ComfyUI "${backend}" lost prompt ${promptId} (not queued, not running, not in history: the server probably restarted)`, {
      transient: true,
    });
  }
}
