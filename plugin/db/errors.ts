// What a database error means, the same on SQLite and PostgreSQL.

/** A UNIQUE constraint refused the write (two processes inserted the same key at once). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}
