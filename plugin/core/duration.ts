// Durations written the way people write them in a config file or on a command line:
// `45s`, `90m`, `12h`, `30d`, `2w`.
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30d` -> 2592000000; null when the text is not a positive duration. */
export function durationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}
