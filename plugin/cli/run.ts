// Runs the CLI from TypeScript sources (tests and development): `tsx plugin/cli/run.ts ...`.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
