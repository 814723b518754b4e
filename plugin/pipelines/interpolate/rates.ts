// Frame rates as exact fractions, and the rule for which target rates a source allows.
// Pure: the upload code and the UI use allowedTargetFps() to list choices.

export interface Rational {
  num: number;
  den: number;
}

/** Targets anyone may pick regardless of the source (if above it and at most 8x). */
export const STANDARD_TARGET_FPS = [23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60, 72, 90, 100, 119.88, 120, 144, 240] as const;
export const MAX_TARGET_MULTIPLE = 8;
/** How far a requested rate may be from an allowed one (users type 47.95 for 48000/1001). */
const MATCH_TOLERANCE = 0.01;

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a || 1;
}

export function reduce(rate: Rational): Rational {
  const g = gcd(rate.num, rate.den);
  return { num: rate.num / g, den: rate.den / g };
}

export function rateToNumber(rate: Rational): number {
  return rate.num / rate.den;
}

export function formatRate(rate: Rational): string {
  return `${rate.num}/${rate.den}`;
}

/** Rounds for display and for the allowed-values list (23.976, 119.88). */
export function roundFps(fps: number): number {
  return Math.round(fps * 1000) / 1000;
}

/** "60000/1001" -> {60000, 1001}; null when it is not a positive fraction. */
export function parseRate(fraction: string | null | undefined): Rational | null {
  if (!fraction) return null;
  const [numText, denText = '1'] = fraction.split('/');
  const num = Number(numText);
  const den = Number(denText);
  if (!Number.isInteger(num) || !Number.isInteger(den) || num <= 0 || den <= 0) return null;
  return reduce({ num, den });
}

/** A decimal rate as a fraction, recognising the NTSC family (29.97 = 30000/1001). */
export function rateFromFps(fps: number): Rational {
  const rounded = Math.round(fps);
  if (Math.abs(fps - rounded) < 0.001) return { num: rounded, den: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(fps - (ntsc * 1000) / 1001) < 0.005) return reduce({ num: ntsc * 1000, den: 1001 });
  return reduce({ num: Math.round(fps * 1000), den: 1000 });
}

function multiply(rate: Rational, factor: number): Rational {
  return reduce({ num: rate.num * factor, den: rate.den });
}

/** Every allowed target for a source, as exact rates, ascending and without near-duplicates. */
export function allowedTargetRates(source: Rational): Rational[] {
  const sourceFps = rateToNumber(source);
  const limit = sourceFps * MAX_TARGET_MULTIPLE + MATCH_TOLERANCE;
  const candidates: Rational[] = [];
  for (let k = 2; k <= MAX_TARGET_MULTIPLE; k++) candidates.push(multiply(source, k));
  for (const fps of STANDARD_TARGET_FPS) {
    if (fps > sourceFps + MATCH_TOLERANCE && fps <= limit) candidates.push(rateFromFps(fps));
  }
  // A stable sort keeps the exact multiples (listed first) ahead of an equal standard rate.
  candidates.sort((a, b) => rateToNumber(a) - rateToNumber(b));
  const unique: Rational[] = [];
  for (const rate of candidates) {
    if (!unique.some((u) => Math.abs(rateToNumber(u) - rateToNumber(rate)) <= MATCH_TOLERANCE)) unique.push(rate);
  }
  return unique;
}

/** The allowed target rates for a source rate (a number or an ffprobe fraction), rounded for display. */
export function allowedTargetFps(source: number | string | Rational): number[] {
  const rate = toRational(source);
  if (!rate) return [];
  return allowedTargetRates(rate).map((r) => roundFps(rateToNumber(r)));
}

/** The exact target rate a requested number stands for, or null when the rule rejects it. */
export function resolveTargetRate(source: number | string | Rational, targetFps: number): Rational | null {
  const rate = toRational(source);
  if (!rate || !Number.isFinite(targetFps)) return null;
  let best: Rational | null = null;
  for (const candidate of allowedTargetRates(rate)) {
    const distance = Math.abs(rateToNumber(candidate) - targetFps);
    if (distance <= MATCH_TOLERANCE && (!best || distance < Math.abs(rateToNumber(best) - targetFps))) best = candidate;
  }
  return best;
}

export function isAllowedTargetFps(source: number | string | Rational, targetFps: number): boolean {
  return resolveTargetRate(source, targetFps) !== null;
}

function toRational(source: number | string | Rational): Rational | null {
  if (typeof source === 'string') return parseRate(source);
  if (typeof source === 'number') return Number.isFinite(source) && source > 0 ? rateFromFps(source) : null;
  return source.num > 0 && source.den > 0 ? reduce(source) : null;
}

/** target / source as a reduced fraction P/Q: source frame x maps to output position x * P / Q. */
export function frameRatio(source: Rational, target: Rational): Rational {
  return reduce({ num: target.num * source.den, den: target.den * source.num });
}

/** Output frames that cover source frames [0, x): round(x * target / source), halves rounded up. */
export function outputFrameBoundary(sourceFrame: number, ratio: Rational): number {
  // Integer arithmetic: floor((2 x P + Q) / 2Q) is round-half-up without float error.
  return Math.floor((2 * sourceFrame * ratio.num + ratio.den) / (2 * ratio.den));
}
