// The 401 for a request whose credentials the host's `authenticate` refused by throwing (a
// host token that is expired, badly signed, ...): a stable code, and the reason when the error
// carries one (HostTokenError does), so a client can tell "sign in again" from "fix the token".
import type { Problem } from './problem.js';

export function authenticationFailedProblem(error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  const reason = (error as { reason?: unknown } | null)?.reason;
  return {
    title: 'Authentication failed',
    status: 401,
    code: 'UNAUTHENTICATED',
    detail: `The host could not authenticate this request: ${message}`,
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}
