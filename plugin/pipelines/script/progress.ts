// What a script's output says about how far it is. A SaveAsScript run prints little: ComfyUI
// being found and loaded, "Saved image to ..." with --output, and samplers' tqdm bars
// (` 45%|████▌     | 9/20 [00:03<00:04, 2.5it/s]`) on stderr. Stages: starting -> loading
// ComfyUI -> running (bars move the fraction) -> collecting.
import type { ProgressUpdate } from '../../core/types.js';

const TQDM = /(\d+)\/(\d+)\s*\[/;
const PERCENT = /^\s*(\d{1,3})%\|/;

/** Where a run is, between 0.05 (started) and 0.9 (the script exited; collecting follows). */
export class ScriptProgress {
  private fraction = 0.05;
  private stage = 'starting';

  /** The update a line brings, or null when it says nothing new. */
  line(text: string): ProgressUpdate | null {
    if (/^ComfyUI found: |added to sys\.path$/.test(text)) return this.set(0.1, 'loading ComfyUI');
    if (/extra_model_paths|Could not find the extra_model_paths/.test(text)) return this.set(0.15, 'loading nodes');
    const bar = TQDM.exec(text);
    if (bar) {
      const done = Number(bar[1]);
      const total = Number(bar[2]);
      if (total > 0 && done <= total) return this.set(0.2 + 0.65 * (done / total), `running (${done}/${total})`);
    }
    const percent = PERCENT.exec(text);
    if (percent) return this.set(0.2 + 0.65 * (Math.min(100, Number(percent[1])) / 100), `running (${percent[1]}%)`);
    if (/^Saved (image|audio|video) to /.test(text)) return this.set(Math.max(this.fraction, 0.85), 'saving');
    return null;
  }

  /** Any output after start-up means the script runs. */
  running(): ProgressUpdate | null {
    return this.stage === 'starting' ? this.set(0.08, 'running') : null;
  }

  private set(fraction: number, stage: string): ProgressUpdate | null {
    const next = Math.max(this.fraction, fraction);
    if (next === this.fraction && stage === this.stage) return null;
    this.fraction = next;
    this.stage = stage;
    return { fraction: next, stage };
  }
}
