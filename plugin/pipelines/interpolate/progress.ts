// Progress as output frames done / total, summed over segments running in parallel.

export class FrameProgress {
  private readonly perSegment = new Map<number, number>();
  private done = 0;
  private lastSent = -1;
  private lastAt = 0;

  constructor(
    private readonly total: number,
    private readonly report: (fraction: number) => void,
    private readonly minIntervalMs = 250,
  ) {}

  /** Frames of segments finished before this attempt (resumed work). */
  addFinished(frames: number): void {
    this.done += frames;
    this.emit(true);
  }

  update(segment: number, frames: number): void {
    this.perSegment.set(segment, frames);
    this.emit(false);
  }

  finish(segment: number, frames: number): void {
    this.perSegment.delete(segment);
    this.done += frames;
    this.emit(true);
  }

  fraction(): number {
    let running = 0;
    for (const frames of this.perSegment.values()) running += frames;
    return this.total > 0 ? Math.min(1, (this.done + running) / this.total) : 1;
  }

  private emit(force: boolean): void {
    const now = Date.now();
    const fraction = this.fraction();
    if (!force && (now - this.lastAt < this.minIntervalMs || fraction === this.lastSent)) return;
    this.lastSent = fraction;
    this.lastAt = now;
    this.report(fraction);
  }
}

/**
 * How much of a job's progress bar the analysis (frame index + scene scan) takes; interpolating
 * fills the rest. Both analysis passes decode or read the whole input once, which costs little
 * next to minterpolate or the model, and a fair part of frame blending (`fast`).
 */
export function analysisShare(mode: string): number {
  return mode === 'fast' ? 0.2 : 0.05;
}

/** The frame index reads packets without decoding: a small part of the analysis next to the scene scan. */
const FRAME_INDEX_WEIGHT = 0.1;

export type AnalysisStep = 'frame index' | 'scene cuts';

/**
 * Progress of the analysis as a part [0, share) of the job: `analyzing (scene cuts) 40%`.
 * Steps report their own fraction 0..1; updates come at most every `minIntervalMs` and never go back.
 */
export class AnalysisProgress {
  private lastSent = -1;
  private lastAt = 0;

  constructor(
    private readonly share: number,
    private readonly report: (update: { fraction: number; stage: string }) => void,
    private readonly minIntervalMs = 250,
  ) {}

  /** A callback for one step's own fraction (0..1). */
  step(step: AnalysisStep): (fraction: number) => void {
    const [from, to] = step === 'frame index' ? [0, FRAME_INDEX_WEIGHT] : [FRAME_INDEX_WEIGHT, 1];
    return (stepFraction) => {
      const clamped = Math.min(1, Math.max(0, stepFraction));
      const fraction = this.share * (from + (to - from) * clamped);
      const now = Date.now();
      // The end of a step always gets through; updates in between at most every minIntervalMs.
      if (fraction <= this.lastSent || (clamped < 1 && now - this.lastAt < this.minIntervalMs)) return;
      this.lastSent = fraction;
      this.lastAt = now;
      this.report({ fraction, stage: `analyzing (${step}) ${Math.floor(clamped * 100)}%` });
    };
  }
}
