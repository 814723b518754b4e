// Runs the media-lab CLI from sources in a child process (asynchronously, so servers in this
// test process keep answering).
import { spawn } from 'node:child_process';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['COMFYUI_URL', 'MEDIA_LAB_DB', 'MEDIA_LAB_MEDIA_ROOT', 'MEDIA_LAB_DATA_DIR', 'DATA_DIR']) if (!(name in env)) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/prompt-queue/cli-entry.ts', ...args], {
      cwd: process.cwd(),
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Starts a long-running command; `stop()` sends SIGTERM (or `kill(signal)` another signal) and resolves with how it ended. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { output: () => string; stop: () => Promise<CliResult>; kill: (signal: NodeJS.Signals) => Promise<CliResult>; ended: Promise<CliResult> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['COMFYUI_URL', 'MEDIA_LAB_DB', 'MEDIA_LAB_MEDIA_ROOT', 'MEDIA_LAB_DATA_DIR', 'DATA_DIR']) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/prompt-queue/cli-entry.ts', ...args], { cwd: process.cwd(), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<CliResult>((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return ended;
  };
  return { output: () => stdout + stderr, stop: () => kill('SIGTERM'), kill, ended };
}
