// `media-lab serve` from a config file: listens on 127.0.0.1 unless told otherwise, takes its
// port, database and backends from the file, and --host overrides the file.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from '../prompt-queue/cli-run.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'serve-config-secret';

async function serveUrl(output: () => string): Promise<string> {
  const match = await waitFor(() => /media-lab serve: (http:\/\/\S+)\/api\/media-lab/.exec(output()), 'serve to print its URL', 60_000);
  return match[1];
}

describe('media-lab serve with a config file', function () {
  this.timeout(120_000);

  it('listens on 127.0.0.1 by default, with the database and port of the file; --host overrides it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-serve-config-'));
    const config = join(dir, 'media-lab.config.json');
    writeFileSync(config, JSON.stringify({ database: 'lab.sqlite', dataDir: 'data', port: 0, lanes: { enhance: 3 }, promptQueue: { enabled: false } }));

    const byDefault = startCli(['serve', '--config', config], { MEDIA_LAB_ADMIN_TOKEN: TOKEN });
    try {
      const url = await serveUrl(byDefault.output);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(byDefault.output(), new RegExp(`database ${join(dir, 'lab.sqlite').replace(/[.\\/]/g, '\\$&')}`));
      const health = await fetch(`${url}/api/media-lab/health`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(health.status, 200);
    } finally {
      const ended = await byDefault.stop();
      assert.equal(ended.status, 0, ended.stderr);
    }

    const everywhere = startCli(['serve', '--config', config, '--host', '0.0.0.0'], { MEDIA_LAB_ADMIN_TOKEN: TOKEN });
    try {
      const url = await serveUrl(everywhere.output);
      assert.match(url, /^http:\/\/localhost:\d+$/);
      assert.match(everywhere.output(), /prompt queue is off \(promptQueue\.enabled is false/);
    } finally {
      await everywhere.stop();
    }
  });
});
