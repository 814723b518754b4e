// A worker in its own process for the chain tests: runs relay steps (chain-kinds.ts) until
// SIGTERM (or SIGKILL). Its lab runs the chain engine too, as every Media Lab process does.
import { createMediaLab } from '../../plugin/index.js';
import { childDatabaseConfig } from './db.js';
import { relayKind } from './chain-kinds.js';

const [database, dataDir, name] = process.argv.slice(2);
const config = childDatabaseConfig(database);
const lab = await createMediaLab({
  dataDir,
  database: config,
  authenticate: () => null,
  worker: { name, pollIntervalMs: 50, shutdownGraceMs: 1000 },
  lease: { durationMs: 1500, heartbeatMs: 300 },
  logger: { info() {}, warn() {}, error: console.error },
});
lab.kinds.register(relayKind(() => lab.knex, name));
await lab.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void lab.stop().then(() => process.exit(0));
});
