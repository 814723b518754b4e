// `npm start` on a port something else holds: one line naming the port and PORT, exit 1, no
// stack trace, nothing left running.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { tempDir } from '../support/files.js';

function runDemoHost(env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.COMFYUI_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo-host.ts'], { cwd: process.cwd(), env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('demo host: a busy port', function () {
  this.timeout(60_000);
  let blocker: Server;
  let port: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    port = (blocker.address() as { port: number }).port;
  });
  after(async () => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('says so in one line naming the port and PORT, and exits 1 without a stack trace', async () => {
    const result = await runDemoHost({ PORT: String(port), DATA_DIR: tempDir('demo-port-'), MEDIA_LAB_LOG_LEVEL: 'error' });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${result.stderr}`);
    const message = lines[0];
    assert.match(message, new RegExp(`^Port ${port} is already in use`));
    assert.match(message, new RegExp(`PORT=${port + 1} npm start`));
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(result.stderr, /EADDRINUSE/, 'said for people, not as an errno');
    assert.doesNotMatch(result.stdout, /Media Lab demo host on|ComfyUI presets/, 'it stopped before starting anything');
  });
});
