// Spawns ffmpeg/ffprobe children that die with the job: an abort SIGKILLs the child and the
// returned promise settles only once the process is gone, so nothing is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { MediaLabError } from '../../../core/errors.js';
import { ffmpegPath } from '../../../media/binaries.js';
import { cancellationError, ffmpegFailure } from './errors.js';

const STDERR_KEEP = 64 * 1024;
const live = new Set<ChildProcess>();

/** How many children this module has running right now (for tests and health checks). */
export function liveProcessCount(): number {
  return live.size;
}

export interface StartOptions {
  /** What the run is doing, for error messages ("interpolating segment 3"). */
  label: string;
  signal: AbortSignal;
  binary?: string;
  stdin?: boolean;
  stdout?: boolean;
  /** Called for each stderr line (scene detection reads showinfo lines from there). */
  onStderrLine?: (line: string) => void;
}

export interface RunningProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  /** The stderr text kept so far (its last 64 KiB). */
  stderr(): string;
  /** Resolves on exit 0; otherwise rejects (cancellation error or MediaLabError) after the process is gone. */
  done: Promise<void>;
}

function spawnFailure(binary: string, error: Error): MediaLabError {
  const code = (error as NodeJS.ErrnoException).code;
  // A missing or unusable binary is a setup problem; running out of processes or memory passes.
  if (code === 'ENOENT' || code === 'EACCES') {
    return new MediaLabError('EXECUTOR_UNAVAILABLE', `Could not start ${binary}: ${error.message}`, { cause: error });
  }
  return new MediaLabError('EXECUTOR_FAILED', `Could not start ${binary}: ${error.message}`, { cause: error, transient: true });
}

export function startProcess(args: string[], options: StartOptions): RunningProcess {
  const { signal } = options;
  if (signal.aborted) throw cancellationError(signal);
  const child = spawn(options.binary ?? ffmpegPath, args, {
    stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  let pending = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
    if (!options.onStderrLine) return;
    pending += chunk;
    const lines = pending.split(/\r?\n|\r/);
    pending = lines.pop() ?? '';
    for (const line of lines) options.onStderrLine(line);
  });
  // A killed reader makes writes fail with EPIPE; the exit status tells the real story.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);

  const kill = () => {
    child.kill('SIGKILL');
    // 'close' waits for the pipes to drain; a reader that stopped reading would wait forever.
    child.stdout?.destroy();
    child.stdin?.destroy();
  };
  signal.addEventListener('abort', kill, { once: true });

  const done = new Promise<void>((resolve, reject) => {
    let spawnError: Error | null = null;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.once('close', (code, exitSignal) => {
      live.delete(child);
      signal.removeEventListener('abort', kill);
      if (pending && options.onStderrLine) options.onStderrLine(pending);
      if (signal.aborted) return reject(cancellationError(signal));
      if (spawnError) return reject(spawnFailure(options.binary ?? ffmpegPath, spawnError));
      if (code === 0) return resolve();
      reject(ffmpegFailure({ label: options.label, code, signal: exitSignal, stderr }));
    });
  });
  // Callers may be busy elsewhere (piping frames) when a child fails: they look at `done`
  // later, so its rejection must not count as unhandled in the meantime.
  done.catch(() => undefined);
  return { stdin: child.stdin, stdout: child.stdout, stderr: () => stderr, done };
}

/** Runs to completion and returns the collected stdout (small outputs: probes, lists). */
export async function runToText(args: string[], options: Omit<StartOptions, 'stdout' | 'stdin'>): Promise<{ stdout: string; stderr: string }> {
  const proc = startProcess(args, { ...options, stdout: true });
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  await proc.done;
  return { stdout: Buffer.concat(chunks).toString('utf8'), stderr: proc.stderr() };
}
