// Bundles the web components into one ES module (dist/ui/media-lab.js) that the router serves.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';

const entry = 'web-components/index.ts';
mkdirSync('dist/ui', { recursive: true });
if (!existsSync(entry)) {
  console.log(`build-ui: ${entry} not found; no UI bundle built`);
  process.exit(0);
}
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  outfile: 'dist/ui/media-lab.js',
  minify: true,
  sourcemap: true,
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  logLevel: 'warning',
});
console.log('build-ui: dist/ui/media-lab.js');
