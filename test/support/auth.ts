// The test labs' users: two fixed bearer tokens, one admin and one not. Accepted as an
// Authorization header, as ?token= (WebSockets) or as the media_lab_token cookie (browser pages).
import type { IncomingMessage } from 'node:http';
import type { User } from '../../plugin/core/types.js';

export const ADMIN = 'test-admin-token';
export const USER = 'test-user-token';

// The ids match the demo host's users, so audit trails read the same in every test.
export const ADMIN_USER: User = { id: 'demo-admin', roles: ['admin', 'user'] };
export const PLAIN_USER: User = { id: 'demo-user', roles: ['user'] };

function tokenOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('media_lab_token='));
  return cookie ? decodeURIComponent(cookie.slice('media_lab_token='.length)) : null;
}

/** The `authenticate` option of a test lab. */
export function testAuthenticate(req: IncomingMessage): User | null {
  const token = tokenOf(req);
  if (token === ADMIN) return ADMIN_USER;
  if (token === USER) return PLAIN_USER;
  return null;
}
