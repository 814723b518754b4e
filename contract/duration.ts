// Durations as people write them (`30m`, `2h`, `45s`) and as the server keeps them (ms), and
// the one schema for a time limit: used by the createMediaLab options (`timeouts`) and by a
// preset manifest's `timeout`, so both accept the same spellings.
import { z } from 'zod';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30d`, `12h`, `90m`, `2w`, `45s`, `500ms` -> milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNITS[match[2] as keyof typeof UNITS]);
}

/** `200 ms`, `45 s`, `15 min`, `2 h`, `1 h 30 min`: for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** The longest limit a timer can hold (Node's setTimeout takes at most 2^31 - 1 ms, about 24.8 days). */
export const MAX_TIME_LIMIT_MS = 2_147_483_647;

const LIMIT_MESSAGE = 'expected milliseconds (a number), a duration such as "30m", "2h" or "45s", or 0 / null for no limit';

/**
 * A time limit: milliseconds, a duration string, or 0 / null for "no limit". Parses to
 * milliseconds, or null for no limit.
 */
export const timeLimitSchema = z
  .union([z.number(), z.string(), z.null()], { error: LIMIT_MESSAGE })
  .transform((value, ctx): number | null => {
    const ms = typeof value === 'string' ? parseDuration(value) : value;
    if (ms === null && typeof value === 'string') {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: ${LIMIT_MESSAGE}` });
      return z.NEVER;
    }
    if (ms !== null && (!Number.isFinite(ms) || ms < 0)) {
      ctx.addIssue({ code: 'custom', message: LIMIT_MESSAGE });
      return z.NEVER;
    }
    if (ms !== null && ms > MAX_TIME_LIMIT_MS) {
      ctx.addIssue({ code: 'custom', message: 'at most 24 days (2147483647 ms); use 0 or null for no limit' });
      return z.NEVER;
    }
    return ms === null || ms === 0 ? null : Math.round(ms);
  });
