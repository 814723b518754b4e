// Runs a fake ComfyUI in its own process (benchmarks, manual checks):
//   npx tsx test/fake-comfy/serve.ts [--port 8188] [--node-delay-ms 0] [--bench-nodes] [--comfy-version 0.33.1]
// Prints one JSON line {"url": ...} when listening; stops on SIGTERM/SIGINT.
// --bench-nodes adds BenchBigFile, an output node that writes an N-megabyte WAV.
import { closeSync, openSync, writeSync } from 'node:fs';
import { startFakeComfy, type NodeImpl } from './index.js';
import { numbered, saveImagePath } from './nodes/save-path.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const bigFile: NodeImpl = (ctx) => {
  const megabytes = Number(ctx.inputs.megabytes ?? 200);
  const path = saveImagePath(String(ctx.inputs.filename_prefix ?? 'big'), ctx.dirs.output);
  const name = numbered(path.filename, path.counter, 'wav');
  const dataBytes = megabytes * 1024 * 1024;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(44100, 24);
  header.writeUInt32LE(44100 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  const fd = openSync(`${path.folder}/${name}`, 'w');
  writeSync(fd, header);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i++) writeSync(fd, chunk);
  closeSync(fd);
  return { ui: { audio: [{ filename: name, subfolder: path.subfolder, type: 'output' }] } };
};

const comfy = await startFakeComfy({ port: Number(arg('--port') ?? 0), nodeDelayMs: Number(arg('--node-delay-ms') ?? 0), version: arg('--comfy-version') });
if (process.argv.includes('--bench-nodes')) {
  comfy.registerNode('BenchBigFile', bigFile, {
    input: { required: { megabytes: ['INT', { default: 200, min: 1, max: 4096 }], filename_prefix: ['STRING', { default: 'big' }] } },
    input_order: { required: ['megabytes', 'filename_prefix'] },
    output: [],
    output_is_list: [],
    output_name: [],
    name: 'BenchBigFile',
    display_name: 'Bench Big File',
    description: 'Writes an N-megabyte WAV (benchmarks)',
    python_module: 'custom_nodes.bench',
    category: 'bench',
    output_node: true,
  });
}
process.stdout.write(`${JSON.stringify({ url: comfy.url })}\n`);
const stop = () => void comfy.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
