// Timestamps travel as ISO-8601 strings in the API; the databases return strings (SQLite)
// or Date objects (PostgreSQL), so every read goes through here.
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoAfter(ms: number, from: number = Date.now()): string {
  return new Date(from + ms).toISOString();
}

export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  const text = String(value);
  // SQLite may hand back "YYYY-MM-DD HH:MM:SS" for values written by SQL defaults.
  return /Z|[+-]\d\d:?\d\d$/.test(text) ? new Date(text).toISOString() : new Date(`${text.replace(' ', 'T')}Z`).toISOString();
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}
