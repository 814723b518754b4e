// One script process: spawned without a shell as the leader of its own process group, its
// stdout and stderr read line by line (never buffered whole: a script may print without end),
// and stopped as a group: on abort SIGTERM to the group, SIGKILL after the grace period; after
// the leader exits, whatever it forked and left in the group is killed too. Settles only once
// the leader is gone.
import { spawn } from 'node:child_process';

export interface ScriptProcessOptions {
  python: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  killGraceMs: number;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  onSpawn?(pid: number): void;
}

export interface ScriptExit {
  /** null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process could not be started (ENOENT...): no exit status. */
  spawnError?: NodeJS.ErrnoException;
  durationMs: number;
  /** True when the runner stopped it (abort). */
  stopped: boolean;
}

/** Process groups of scripts running now: a Node process that exits (process.exit, an uncaught error) takes them along. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) killGroup(group, 'SIGKILL');
  });
}

/** How many script process groups this process runs now. */
export function liveScriptGroups(): number {
  return liveGroups.size;
}

/** Longest line kept whole; the rest of a longer line is cut (a progress bar without newlines, binary noise). */
const MAX_LINE = 4000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Is any process of the group still alive? */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lineSplitter(stream: 'stdout' | 'stderr', onLine: ScriptProcessOptions['onLine']) {
  let pending = '';
  return {
    push(chunk: string) {
      pending += chunk;
      // tqdm redraws with \r: each redraw is a line of its own.
      const parts = pending.split(/\r\n|\n|\r/);
      pending = parts.pop() ?? '';
      if (pending.length > MAX_LINE) {
        onLine(stream, `${pending.slice(0, MAX_LINE)}…`);
        pending = '';
      }
      for (const part of parts) onLine(stream, part.length > MAX_LINE ? `${part.slice(0, MAX_LINE)}…` : part);
    },
    end() {
      if (pending) onLine(stream, pending);
      pending = '';
    },
  };
}

export function runScriptProcess(options: ScriptProcessOptions): Promise<ScriptExit> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (options.signal.aborted) return resolve({ code: null, signal: null, durationMs: 0, stopped: true });
    const child = spawn(options.python, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true, // its own process group: a stop reaches what it forked
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const out = lineSplitter('stdout', options.onLine);
    const err = lineSplitter('stderr', options.onLine);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;
    if (pid !== undefined) {
      track(pid);
      options.onSpawn?.(pid);
    }
    const onAbort = () => {
      if (pid === undefined || stopped) return;
      stopped = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.killGraceMs);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      // No 'exit' follows a failed spawn.
      if (pid === undefined) finish(null, null);
    });
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      // Whatever the script forked and left running goes with it (no orphan holds the GPU).
      if (pid !== undefined) {
        killGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
      }
      // An orphan may hold the pipes open: read what is there, then stop waiting for them.
      setImmediate(() => {
        out.end();
        err.end();
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal, durationMs: Date.now() - started, stopped: stopped || options.signal.aborted, ...(spawnError ? { spawnError } : {}) });
      });
    };
    child.once('exit', (code, signal) => {
      // Let the last output arrive (the pipes usually close right after the exit).
      let pendingStreams = 2;
      const done = () => {
        if (--pendingStreams === 0) finish(code, signal);
      };
      if (child.stdout.readableEnded) done();
      else child.stdout.once('end', done);
      if (child.stderr.readableEnded) done();
      else child.stderr.once('end', done);
      // A forked child keeps the pipes open: do not wait for them past a moment.
      setTimeout(() => finish(code, signal), 500).unref();
    });
  });
}
