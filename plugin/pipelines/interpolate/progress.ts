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
