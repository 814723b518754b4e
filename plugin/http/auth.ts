// The admin gate: every route, the WebSocket upgrade and artifact content go through it.
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { User } from '../core/types.js';
import type { Authenticate } from '../options.js';
import { sendProblem, type Problem } from './problem.js';
import { authenticationFailedProblem } from './auth-failure.js';

export type GateResult = { ok: true; user: User } | { ok: false; problem: Problem };

export async function checkAdmin(authenticate: Authenticate, adminRole: string, req: IncomingMessage): Promise<GateResult> {
  let user: User | null;
  try {
    user = await authenticate(req);
  } catch (error) {
    return { ok: false, problem: authenticationFailedProblem(error) };
  }
  if (!user) {
    return {
      ok: false,
      problem: { title: 'Sign-in required', status: 401, code: 'UNAUTHENTICATED', detail: 'Media Lab needs a signed-in user: send your token as "Authorization: Bearer <token>".' },
    };
  }
  if (!user.roles.includes(adminRole)) {
    return {
      ok: false,
      problem: { title: 'Admin only', status: 403, code: 'FORBIDDEN', detail: `Media Lab is for admins only: user "${user.id}" lacks the "${adminRole}" role.` },
    };
  }
  return { ok: true, user };
}

declare module 'express-serve-static-core' {
  interface Request {
    mediaLabUser?: User;
  }
}

export function adminGate(authenticate: Authenticate, adminRole: string) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // CORS preflights carry no credentials by design; the routes that allow CORS answer them.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      next();
      return;
    }
    const result = await checkAdmin(authenticate, adminRole, req);
    if (!result.ok) {
      if (result.problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="media-lab"');
      sendProblem(res, result.problem);
      return;
    }
    req.mediaLabUser = result.user;
    next();
  };
}

export function userOf(req: Request): User {
  if (!req.mediaLabUser) throw new Error('adminGate must run before this handler');
  return req.mediaLabUser;
}
