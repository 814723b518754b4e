// The demo host's users: two bearer tokens (admin and non-admin), accepted as an
// Authorization header, as ?token= (for WebSockets) or as the cookie set by /sign-in.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { User } from '../plugin/core/types.js';

export interface DemoTokens {
  admin: string;
  user: string;
}

export function demoTokens(env: NodeJS.ProcessEnv = process.env): DemoTokens {
  return {
    admin: env.MEDIA_LAB_ADMIN_TOKEN || 'demo-admin-token',
    user: env.MEDIA_LAB_USER_TOKEN || 'demo-user-token',
  };
}

export function randomToken(): string {
  return randomBytes(18).toString('base64url');
}

export function tokenFrom(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = url.searchParams.get('token');
  if (query) return query;
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('media_lab_token='));
  return cookie ? decodeURIComponent(cookie.slice('media_lab_token='.length)) : null;
}

export function demoAuthenticate(tokens: DemoTokens) {
  return (req: IncomingMessage): User | null => {
    const token = tokenFrom(req);
    if (token && token === tokens.admin) return { id: 'demo-admin', roles: ['admin', 'user'] };
    if (token && token === tokens.user) return { id: 'demo-user', roles: ['user'] };
    return null;
  };
}
