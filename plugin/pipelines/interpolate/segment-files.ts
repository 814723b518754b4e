// Segment files in the job's work directory: written under a partial name, checked, then
// renamed, so a file with the final name is always a complete segment.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaLabError } from '../../core/errors.js';
import type { FinishedSegment } from './checkpoint.js';
import type { InterpolationEngine, SegmentRenderJob } from './engines/index.js';
import { probeWritten } from './output-probe.js';

export function segmentsDir(workDir: string): string {
  return join(workDir, 'interpolate-segments');
}

function segmentName(index: number, partial: boolean): string {
  return `segment-${String(index).padStart(5, '0')}${partial ? '.partial' : ''}.mp4`;
}

/** Removes leftovers of an interrupted attempt (files that never got their final name). */
export async function removePartials(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.includes('.partial.')).map((n) => rm(join(dir, n), { force: true })));
}

/** The finished segments whose files are still there, intact in size. */
export async function stillFinished(dir: string, finished: FinishedSegment[]): Promise<FinishedSegment[]> {
  const checks = await Promise.all(
    finished.map(async (f) => {
      const info = await stat(join(dir, f.file)).catch(() => null);
      return info?.isFile() && info.size === f.bytes ? f : null;
    }),
  );
  return checks.filter((f): f is FinishedSegment => f !== null);
}

export async function renderSegment(
  engine: InterpolationEngine,
  dir: string,
  job: Omit<SegmentRenderJob, 'outputPath'>,
): Promise<FinishedSegment> {
  const partial = join(dir, segmentName(job.segment.index, true));
  const file = segmentName(job.segment.index, false);
  try {
    await engine.render({ ...job, outputPath: partial });
    const written = await probeWritten(partial, job.signal);
    if (written.frameCount !== job.segment.outCount) {
      throw new MediaLabError(
        'CORRUPT_INPUT',
        `Segment ${job.segment.index + 1} came out with ${written.frameCount} of ${job.segment.outCount} frames; ` +
          `source frames ${job.segment.start}-${job.segment.end - 1} may be damaged.`,
      );
    }
    await rename(partial, join(dir, file));
    const { size } = await stat(join(dir, file));
    return { index: job.segment.index, file, bytes: size };
  } finally {
    await rm(partial, { force: true });
  }
}
