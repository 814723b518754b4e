// Bundles the web components into one ES module (dist/ui/media-lab.js) that the router serves,
// and writes their type declarations (dist/ui/media-lab.d.ts, re-exporting dist/ui/types/).
//   node scripts/build-ui.mjs            bundle + declarations
//   node scripts/build-ui.mjs --no-types bundle only (what the browser tests need)
import { build } from 'esbuild';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const entry = 'web-components/index.ts';
const outDir = 'dist/ui';
mkdirSync(outDir, { recursive: true });
if (!existsSync(entry)) {
  console.log(`build-ui: ${entry} not found; no UI bundle built`);
  process.exit(0);
}

const result = await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  outfile: `${outDir}/media-lab.js`,
  minify: true,
  sourcemap: true,
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
  logLevel: 'warning',
  metafile: true,
});
// The bundle reads the contract's zod-free files only: zod (and anything else from node_modules
// but lit and dagre, the graph layout of <media-lab-graph>) must not reach browsers.
const strays = Object.keys(result.metafile.inputs).filter((path) => path.includes('node_modules/') && !/node_modules\/(lit|lit-html|lit-element|@lit|@lit-labs|@dagrejs\/dagre)\//.test(path));
if (strays.length) {
  console.error(`build-ui: the bundle pulls in ${strays.slice(0, 5).join(', ')}: web components import contract types with \`import type\`, values only from zod-free files`);
  process.exit(1);
}
console.log(`build-ui: ${outDir}/media-lab.js (${result.metafile.outputs[`${outDir}/media-lab.js`]?.bytes ?? '?'} bytes)`);

if (!process.argv.includes('--no-types')) emitDeclarations();

/**
 * Declarations of the public module: the element classes, the client and the wire types (from
 * contract/, so the root is the repository: types/web-components/ and types/contract/).
 */
function emitDeclarations() {
  const typesDir = `${outDir}/types`;
  rmSync(typesDir, { recursive: true, force: true });
  const program = ts.createProgram([entry], {
    declaration: true,
    emitDeclarationOnly: true,
    outDir: typesDir,
    rootDir: '.',
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    experimentalDecorators: true,
    useDefineForClassFields: false,
    strict: true,
    skipLibCheck: true,
    types: [],
  });
  const result = program.emit();
  const problems = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    console.error(ts.formatDiagnostics(problems, host));
    process.exit(1);
  }
  writeFileSync(
    `${outDir}/media-lab.d.ts`,
    `// Types of media-lab.js: the Media Lab custom elements, their events, the API client and wire types.\nexport * from './types/web-components/index.js';\n`,
  );
  console.log(`build-ui: ${outDir}/media-lab.d.ts`);
}
