// Turns how an ffmpeg/ffprobe run ended into a MediaLabError the user can act on.
import { MediaLabError } from '../../../core/errors.js';
import { abortedError } from '../../../../contract/stop.js';

const CORRUPTION_PATTERNS = [
  /moov atom not found/i,
  /partial file/i,
  /error while decoding/i,
  /Invalid NAL unit/i,
  /non-existing PPS/i,
  /corrupt/i,
  /truncat/i,
  /concealing \d+ DC/i,
  /EBML header parsing failed/i,
];

/** The first stderr line that says the input is damaged, if any. */
export function findCorruption(stderr: string): string | null {
  for (const line of stderr.split('\n')) {
    // Indented lines are stream listings and metadata values (a title may say "corrupt").
    if (/^\s/.test(line)) continue;
    if (CORRUPTION_PATTERNS.some((p) => p.test(line))) return lastLines(line);
  }
  return null;
}

/** The last lines of ffmpeg's stderr, without the memory addresses it prints ("[h264 @ 0x55d0]"). */
export function lastLines(text: string, count = 6): string {
  return text.trim().split('\n').slice(-count).join('\n').replace(/ @ 0x[0-9a-f]+\]/g, ']');
}

export interface ExitFacts {
  label: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export function ffmpegFailure(exit: ExitFacts): MediaLabError {
  const corruption = findCorruption(exit.stderr);
  if (corruption) {
    return new MediaLabError('CORRUPT_INPUT', `The input video is damaged and cannot be decoded (${exit.label}): ${corruption}`);
  }
  if (/No space left on device/i.test(exit.stderr)) {
    return new MediaLabError('EXECUTOR_FAILED', `The disk is full while ${exit.label}; free some space and the job will retry.`, { transient: true });
  }
  if (exit.signal) {
    // Killed by someone else (the OOM killer, an operator): worth another attempt.
    return new MediaLabError('EXECUTOR_FAILED', `ffmpeg was killed by ${exit.signal} while ${exit.label} (out of memory?).`, { transient: true });
  }
  return new MediaLabError('EXECUTOR_FAILED', `ffmpeg failed while ${exit.label} (exit ${exit.code}): ${lastLines(exit.stderr) || 'no message'}`);
}

/** What to throw once the job's signal has aborted: the worker's stop (or the caller's own reason) when it gave one. */
export function cancellationError(signal: AbortSignal): Error {
  return abortedError(signal, () => new MediaLabError('CANCELLED', 'The interpolation was cancelled.'));
}
