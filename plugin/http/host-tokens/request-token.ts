// Where a request carries a host token: the Authorization header (API clients), ?token= (media
// URLs in <img>/<audio> tags and the WebSocket), or a cookie (pages on the host's own domain).
import type { IncomingMessage } from 'node:http';

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw) || null;
    } catch {
      return raw || null;
    }
  }
  return null;
}

export function tokenFromRequest(req: IncomingMessage, cookieName: string): string | null {
  const header = req.headers.authorization;
  const bearer = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : '';
  if (bearer) return bearer;
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  return cookieValue(req.headers.cookie, cookieName);
}
