// The CLI entry the tests run: like bin/media-lab.js (exit with main's code at once), from sources.
import { main } from '../../plugin/cli/main.js';

process.exit(await main(process.argv.slice(2)));
