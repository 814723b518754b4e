#!/usr/bin/env node
// The `media-lab` command: runs the compiled CLI (`npm run build`, run by `npm ci`, makes dist/).
import { main } from '../dist/plugin/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
