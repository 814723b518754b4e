// At most `limit` scripts at once in this process (each loads its models itself). A waiting job
// leaves the line when its signal aborts.
export class ScriptSlots {
  private running = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(readonly limit: number) {}

  get busy(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const release = () => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.running--;
        const next = this.waiting.shift();
        if (next) next.grant();
      };
    };
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(release());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.running++;
          resolve(release());
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }
}
