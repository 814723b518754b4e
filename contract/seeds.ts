// The seeds a preset takes. ComfyUI's samplers accept 0 to 2^64-1 (KSampler's `seed` in
// /object_info), but a seed travels as a JSON number, which holds integers exactly only up to
// 2^53-1: a larger one would silently become another seed. No imports: the browser bundle reads it.

/** The largest seed: 2^53-1 (Number.MAX_SAFE_INTEGER), the largest integer a JSON number holds exactly. */
export const SEED_MAX = Number.MAX_SAFE_INTEGER;

/** Why a value is not a seed, or null when it is one (a whole number from 0 to SEED_MAX). */
export function seedProblem(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  if (!Number.isInteger(value)) return 'must be a whole number';
  if (value < 0) return `must be between 0 and ${SEED_MAX}`;
  if (value > SEED_MAX) return `must be between 0 and ${SEED_MAX} (2^53-1, the largest whole number a JSON number holds exactly)`;
  return null;
}
