// Positive durations for the options that need one (retention's olderThan and every). The one
// parser of `45s`, `90m`, `12h`, `30d`, `2w` lives in contract/duration.ts.
import { parseDuration } from '../../contract/duration.js';

/** `30d` -> 2592000000; null when the text is not a positive duration. */
export function durationMs(text: string): number | null {
  const ms = parseDuration(text);
  return ms !== null && ms > 0 ? ms : null;
}
