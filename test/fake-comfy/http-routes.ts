// The fake's HTTP endpoints, answering like aiohttp does in ComfyUI's server.py: JSON with
// `application/json; charset=utf-8`, "nothing" as 200 with an empty application/octet-stream
// body, upload errors as an empty 400, a non-JSON /prompt body as a text/plain 500. Every path
// also answers under /api.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, extname, join, parse, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import sharp from 'sharp';
import type { JsonObject, JsonValue } from '../../bridge/types.js';
import type { FakeEngine } from './engine.js';
import type { FakeDirs } from './nodes/types.js';
import type { FakeObjectInfo } from './object-info.js';
import { SERVER_FEATURES } from './ws-hub.js';

export interface RecordedRequest {
  method: string;
  path: string;
  body?: JsonValue;
  at: number;
}

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.json': 'application/json',
  '.txt': 'text/plain',
};

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function empty(res: ServerResponse, status = 200): void {
  res.writeHead(status, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 });
  res.end();
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonObject(raw: string): JsonObject | null {
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface RouteDeps {
  engine: FakeEngine;
  catalog: FakeObjectInfo;
  dirs: FakeDirs;
  requests: RecordedRequest[];
  /** Headers every request must carry (a managed backend behind an auth proxy). */
  requireHeaders: Record<string, string>;
}

export function authorised(req: IncomingMessage, required: Record<string, string>): boolean {
  return Object.entries(required).every(([name, value]) => req.headers[name.toLowerCase()] === value);
}

export async function handleRequest(req: IncomingMessage, res: ServerResponse, deps: RouteDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
  const method = req.method ?? 'GET';
  const { engine, catalog } = deps;
  const record: RecordedRequest = { method, path: path + url.search, at: Date.now() };
  deps.requests.push(record);

  if (!authorised(req, deps.requireHeaders)) return text(res, 401, '401: Unauthorized');

  if (method === 'GET' && path === '/system_stats') {
    return json(res, 200, {
      system: {
        os: 'posix',
        ram_total: 25276502016,
        ram_free: 24310366208,
        comfyui_version: engine.dialect.version,
        required_frontend_version: '1.27.10',
        installed_templates_version: null,
        required_templates_version: '0.1.95',
        python_version: '3.11.2 (fake)',
        pytorch_version: '1.13.0a0',
        embedded_python: false,
        argv: ['main.py', '--cpu'],
      },
      devices: [{ name: 'cpu', type: 'cpu', index: null, vram_total: 0, vram_free: 0, torch_vram_total: 0, torch_vram_free: 0 }],
    });
  }
  if (engine.dialect.jobsApi && url.pathname.startsWith('/api/jobs')) {
    const handled = jobsRoute(method, url, res, engine);
    if (handled) return;
  }
  if (method === 'GET' && path === '/features') return json(res, 200, SERVER_FEATURES);
  if (method === 'GET' && (path === '/embeddings' || path === '/extensions')) return json(res, 200, []);
  if (method === 'GET' && path === '/queue') return json(res, 200, engine.queueState());
  if (method === 'GET' && path === '/prompt') return json(res, 200, { exec_info: { queue_remaining: engine.remaining() } });
  if (method === 'GET' && path === '/object_info') return json(res, 200, catalog.all());
  if (method === 'GET' && path.startsWith('/object_info/')) {
    const classType = decodeURIComponent(path.slice('/object_info/'.length));
    const info = catalog.raw(classType);
    return json(res, 200, info ? { [classType]: info } : {});
  }
  if (method === 'GET' && path === '/history') {
    const max = url.searchParams.get('max_items');
    return json(res, 200, engine.historyList(max !== null ? Number(max) : undefined));
  }
  if (method === 'GET' && path.startsWith('/history/')) {
    const id = decodeURIComponent(path.slice('/history/'.length));
    const entry = engine.historyEntry(id);
    return json(res, 200, entry ? { [id]: entry } : {});
  }
  if (method === 'POST' && path === '/prompt') {
    const raw = await readBody(req);
    const body = parseJsonObject(raw);
    if (!body) return text(res, 500, '500 Internal Server Error\n\nServer got itself in trouble');
    record.body = body;
    const result = engine.submit(body);
    return json(res, result.status, result.body);
  }
  if (method === 'POST' && (path === '/queue' || path === '/history' || path === '/interrupt')) {
    const raw = await readBody(req);
    const body = parseJsonObject(raw) ?? {};
    record.body = body;
    if (path === '/interrupt') engine.interrupt(typeof body.prompt_id === 'string' ? body.prompt_id : undefined);
    if (path === '/queue') {
      if (body.clear === true) engine.clearQueue();
      if (Array.isArray(body.delete)) engine.deleteQueued(body.delete.map(String));
    }
    if (path === '/history') {
      if (body.clear === true) engine.clearHistory();
      if (Array.isArray(body.delete)) engine.deleteHistory(body.delete.map(String));
    }
    return empty(res);
  }
  if (method === 'POST' && (path === '/upload/image' || path === '/upload/mask')) return upload(req, res, deps, record);
  if (method === 'GET' && path === '/view') return view(url, res, deps);
  if (method === 'GET' && path === '/ws') {
    return text(res, 400, 'No WebSocket UPGRADE hdr: None\n Can "Upgrade" only to "WebSocket".');
  }
  return text(res, 404, '404: Not Found');
}

/** The 0.33.x jobs API (only under /api, as ComfyUI registers it). Returns false when no route matched. */
function jobsRoute(method: string, url: URL, res: ServerResponse, engine: FakeEngine): boolean {
  const parts = url.pathname.split('/').filter(Boolean); // ['api', 'jobs', id?, 'cancel'?]
  if (method === 'GET' && parts.length === 2) {
    const status = url.searchParams.get('status')?.split(',').filter(Boolean);
    const limitRaw = url.searchParams.get('limit');
    const offsetRaw = url.searchParams.get('offset');
    const limit = limitRaw === null ? undefined : Number(limitRaw);
    const offset = offsetRaw === null ? 0 : Number(offsetRaw);
    if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) {
      json(res, 400, { error: Number.isInteger(limit) ? 'limit must be a positive integer' : 'limit must be an integer' });
      return true;
    }
    if (!Number.isInteger(offset)) {
      json(res, 400, { error: 'offset must be an integer' });
      return true;
    }
    const page = engine.jobs({ status, limit, offset: Math.max(0, offset) });
    json(res, 200, { jobs: page.jobs, pagination: { offset: Math.max(0, offset), limit: limit ?? null, total: page.total, has_more: Math.max(0, offset) + page.jobs.length < page.total } });
    return true;
  }
  if (method === 'GET' && parts.length === 3) {
    const job = engine.job(decodeURIComponent(parts[2]));
    if (job) json(res, 200, job);
    else json(res, 404, { error: 'Job not found' });
    return true;
  }
  if (method === 'POST' && parts.length === 4 && parts[3] === 'cancel') {
    const result = engine.cancelJob(decodeURIComponent(parts[2]));
    json(res, result.status, result.body);
    return true;
  }
  return false;
}

function dirFor(dirs: FakeDirs, type: string | null): string | null {
  if (type === null || type === '' || type === 'input') return dirs.input;
  if (type === 'output') return dirs.output;
  if (type === 'temp') return dirs.temp;
  return null;
}

async function upload(req: IncomingMessage, res: ServerResponse, deps: RouteDeps, record: RecordedRequest): Promise<void> {
  const fields: Record<string, string> = {};
  let file: { tmp: string; filename: string } | null = null;
  const writes: Promise<void>[] = [];
  try {
    await new Promise<void>((done, fail) => {
      const parser = busboy({ headers: req.headers });
      parser.on('field', (name, value) => (fields[name] = value));
      parser.on('file', (name, stream, info) => {
        if (name !== 'image' || file) {
          stream.resume();
          return;
        }
        const tmp = join(tmpdir(), `fake-comfy-upload-${process.pid}-${Math.random().toString(36).slice(2)}`);
        file = { tmp, filename: info.filename ?? "" };
        writes.push(pipeline(stream, createWriteStream(tmp)));
      });
      parser.on('close', done);
      parser.on('error', fail);
      req.pipe(parser);
    });
    await Promise.all(writes);
  } catch {
    return empty(res, 400);
  }
  const got = file as { tmp: string; filename: string } | null;
  record.body = { ...fields, filename: got?.filename ?? null };
  if (!got || !got.filename) return empty(res, 400);
  const type = fields.type || 'input';
  const base = dirFor(deps.dirs, type);
  if (!base) {
    unlinkSync(got.tmp);
    return empty(res, 400);
  }
  const subfolder = fields.subfolder ?? '';
  const folder = resolve(base, subfolder);
  const target = resolve(folder, basename(got.filename));
  const rel = relative(resolve(base), target);
  if (rel.startsWith('..') || rel.startsWith(sep)) {
    unlinkSync(got.tmp);
    return empty(res, 400);
  }
  mkdirSync(folder, { recursive: true });
  const overwrite = fields.overwrite === 'true' || fields.overwrite === '1';
  let name = basename(got.filename);
  let duplicate = false;
  if (!overwrite) {
    const { name: stem, ext } = parse(name);
    const incoming = fileHash(got.tmp);
    for (let i = 1; existsSync(join(folder, name)); i++) {
      if (fileHash(join(folder, name)) === incoming) {
        duplicate = true;
        break;
      }
      name = `${stem} (${i})${ext}`;
    }
  }
  if (duplicate) unlinkSync(got.tmp);
  else renameSync(got.tmp, join(folder, name));
  return json(res, 200, { name, subfolder, type });
}

async function view(url: URL, res: ServerResponse, deps: RouteDeps): Promise<void> {
  const filename = url.searchParams.get('filename');
  if (!filename) return empty(res, 404);
  if (filename.startsWith('/') || filename.includes('..')) return empty(res, 400);
  const base = dirFor(deps.dirs, url.searchParams.get('type') ?? 'output');
  if (!base) return empty(res, 400);
  let folder = base;
  const subfolder = url.searchParams.get('subfolder');
  if (subfolder) {
    folder = resolve(base, subfolder);
    const rel = relative(resolve(base), folder);
    if (rel.startsWith('..') || rel.startsWith(sep)) return empty(res, 403);
  }
  const path = join(folder, basename(filename));
  if (!existsSync(path) || !statSync(path).isFile()) return empty(res, 404);
  const preview = url.searchParams.get('preview');
  if (preview && MIME[extname(path).toLowerCase()]?.startsWith('image/')) {
    const [format, quality] = preview.split(';');
    const q = Number(quality) || 90;
    const data = format === 'webp' ? await sharp(path).webp({ quality: q }).toBuffer() : await sharp(path).jpeg({ quality: q }).toBuffer();
    res.writeHead(200, { 'Content-Type': format === 'webp' ? 'image/webp' : 'image/jpeg', 'Content-Length': data.length });
    res.end(data);
    return;
  }
  const size = statSync(path).size;
  res.writeHead(200, {
    'Content-Type': MIME[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Content-Disposition': `filename="${basename(path)}"`,
  });
  await pipeline(createReadStream(path), res).catch(() => undefined);
}
