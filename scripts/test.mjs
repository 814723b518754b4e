// `npm test`: type-check, then the whole mocha suite. Says clearly what was not run.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const pg = process.env.MEDIA_LAB_TEST_PG;
const note = pg
  ? `PostgreSQL tests: ON (${pg.replace(/:[^:@/]+@/, ':***@')})`
  : 'PostgreSQL tests: SKIPPED (no server configured). Enable them with MEDIA_LAB_TEST_PG=postgres://user:pass@host:5432/db (.ci/run starts one).';

console.log(note);
// The local binaries run with this node, not through npx: each npx would print npm's warning about
// .npmrc's onnxruntime-node-install again (npm test has printed it once already).
const steps = [
  ['tsc', require.resolve('typescript/bin/tsc'), ['--noEmit', '-p', '.']],
  ['mocha', require.resolve('mocha/bin/mocha.js'), process.argv.slice(2)],
];
for (const [name, bin, args] of steps) {
  console.log(`\n> ${name} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.log(`\n${note}`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\n${note}`);
