// `npm test`: type-check, then the whole mocha suite. Says clearly what was not run.
import { spawnSync } from 'node:child_process';

const pg = process.env.MEDIA_LAB_TEST_PG;
const note = pg
  ? `PostgreSQL tests: ON (${pg.replace(/:[^:@/]+@/, ':***@')})`
  : 'PostgreSQL tests: SKIPPED (no server configured). Enable them with MEDIA_LAB_TEST_PG=postgres://user:pass@host:5432/db (.ci/run starts one).';

console.log(note);
const steps = [
  ['npx', ['tsc', '--noEmit', '-p', '.']],
  ['npx', ['mocha', ...process.argv.slice(2)]],
];
for (const [cmd, args] of steps) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.log(`\n${note}`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\n${note}`);
