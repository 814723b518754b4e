// A protocol-faithful fake ComfyUI server for tests and benchmarks (see
// shared/comfyui-protocol.md). It really executes the model-free nodes (sharp for images,
// PCM/FLAC for audio) and runs stand-ins for model nodes, so the shipped presets run end to end.
//
//   const comfy = await startFakeComfy({ nodeDelayMs: 200 });   // "slow" mode keeps jobs RUNNING
//   const comfy = await startFakeComfy({ stepDelayMs: 100 });   // a 30-step KSampler runs ~3 s,
//                                                               // with `progress` messages per step
//   comfy.timing.nodeDelayMs = 0;                               // timings can change at any time
//   comfy.timing.hold = ['KSampler'];                           // KSampler runs until interrupted
//   comfy.url            -> http://127.0.0.1:<port>
//   comfy.restart()      -> a ComfyUI restart: queue, history, cache and sockets gone, files kept
//   comfy.stop()/start() -> the backend is down (connection refused) / back
//   comfy.dropSockets()  -> cut every WebSocket, the server stays up
//   startFakeComfy({ version: NEWEST_VERSION })            // speak ComfyUI 0.33.x (dialect.ts):
//                                                          // jobs API, UUID prompt ids, missing_node_type
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryEntry, NodeClassInfo, ObjectInfo, QueueState } from '../../bridge/types.js';
import { FakeEngine, type EngineTiming } from './engine.js';
import { authorised, handleRequest, type RecordedRequest } from './http-routes.js';
import { audioNodes } from './nodes/audio.js';
import { imageNodes } from './nodes/image.js';
import { standInNodes } from './nodes/stand-ins.js';
import type { FakeDirs, NodeImpl } from './nodes/types.js';
import { FakeObjectInfo, type ModelLists } from './object-info.js';
import { WsHub } from './ws-hub.js';
import { dialectFor, type Dialect } from './dialect.js';

export type { NodeImpl, NodeRunContext, NodeResult } from './nodes/types.js';
export { NodeException } from './nodes/types.js';
export type { RecordedRequest } from './http-routes.js';
export { NEWEST_VERSION, RECORDED_VERSION, type Dialect } from './dialect.js';

export interface FakeComfyOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Holds input/, output/, temp/. Default: a new temp folder, removed by close(). */
  dataDir?: string;
  /** Copy the sample inputs (red.png, bluegreen.png, tone.wav) into input/. Default true. */
  sampleInputs?: boolean;
  /** Model files the loaders list. Defaults cover the shipped presets. */
  models?: Partial<ModelLists>;
  /** Added to every executing node: keeps a prompt RUNNING for a while. */
  nodeDelayMs?: number;
  /** Extra delay per class_type, e.g. { KSampler: 500 }. */
  delays?: Record<string, number>;
  /** Delay per sampler step (KSampler steps, F5-TTS chunks). */
  stepDelayMs?: number;
  /** Delay between execution_success and the history entry. */
  historyLagMs?: number;
  /** class_types that run until interrupted (or until taken out of `timing.hold`): a prompt that never finishes. */
  hold?: string[];
  /** Stand-ins for model nodes (KSampler, VAE, checkpoints, ACE-Step, F5-TTS). Default true. */
  standIns?: boolean;
  /** Extra /object_info entries. */
  objectInfo?: ObjectInfo;
  /** Headers every HTTP and WS request must carry (401 otherwise). */
  requireHeaders?: Record<string, string>;
  /**
   * The ComfyUI version to speak (see dialect.ts): '0.3.64' (default, the recorded one) or a
   * 0.33.x version (jobs API, canonical-UUID prompt ids, `missing_node_type`).
   */
  version?: string;
}

export interface FakeComfy {
  readonly url: string;
  readonly port: number;
  readonly dirs: FakeDirs;
  /** Every HTTP request seen (method, path with query, parsed JSON/form body). */
  readonly requests: RecordedRequest[];
  readonly timing: EngineTiming;
  /** The version and dialect this fake speaks. */
  readonly dialect: Dialect;
  /** Runs `impl` for `classType`; `info` adds or replaces its /object_info entry. */
  registerNode(classType: string, impl: NodeImpl, info?: NodeClassInfo): void;
  queue(): QueueState;
  history(promptId: string): HistoryEntry | undefined;
  /** Open WebSocket connections. */
  socketCount(): number;
  /** WebSocket connections accepted so far (reconnects included). */
  socketsOpened(): number;
  dropSockets(): void;
  /** Down: the port refuses connections, and everything in memory is lost (like a crash). */
  stop(): Promise<void>;
  /** Up again on the same port. */
  start(): Promise<void>;
  /** stop() + start(). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

const DEFAULT_MODELS: ModelLists = {
  checkpoints: ['sd_xl_base_1.0.safetensors', 'dreamshaper_8.safetensors', 'ace_step_v1_3.5b.safetensors'],
  loras: ['detail_tweaker_xl.safetensors', 'watercolor_style.safetensors'],
};

export async function startFakeComfy(options: FakeComfyOptions = {}): Promise<FakeComfy> {
  const ownsDir = !options.dataDir;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fake-comfy-'));
  const dirs: FakeDirs = { input: join(root, 'input'), output: join(root, 'output'), temp: join(root, 'temp') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  if (options.sampleInputs !== false) {
    for (const name of readdirSync(fixtures)) copyFileSync(join(fixtures, name), join(dirs.input, name));
  }

  const nodes = new Map<string, NodeImpl>(Object.entries({ ...imageNodes, ...audioNodes }));
  if (options.standIns !== false) for (const [name, impl] of Object.entries(standInNodes)) nodes.set(name, impl);
  const catalog = new FakeObjectInfo(dirs.input, { ...DEFAULT_MODELS, ...options.models }, options.objectInfo);
  const timing: EngineTiming = {
    nodeDelayMs: options.nodeDelayMs ?? 0,
    delays: options.delays ?? {},
    stepDelayMs: options.stepDelayMs ?? 0,
    historyLagMs: options.historyLagMs ?? 0,
    hold: options.hold ?? [],
  };
  const hub: WsHub = new WsHub((): number => engine.remaining());
  const dialect = dialectFor(options.version);
  const engine: FakeEngine = new FakeEngine(hub, catalog, dirs, nodes, timing, dialect);
  const requests: RecordedRequest[] = [];
  const requireHeaders = options.requireHeaders ?? {};

  let server: Server | null = null;
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  const host = options.host ?? '127.0.0.1';

  const listen = async () => {
    const s = createServer((req, res) => {
      handleRequest(req, res, { engine, catalog, dirs, requests, requireHeaders }).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`500 Internal Server Error\n\n${(error as Error).message}`);
      });
    });
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    s.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      if ((path !== '/ws' && path !== '/api/ws') || !authorised(req, requireHeaders)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      hub.handleUpgrade(req, socket, head);
    });
    await new Promise<void>((resolveListen, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolveListen());
    });
    const address = s.address();
    if (address && typeof address === 'object') port = address.port;
    server = s;
  };

  const stop = async () => {
    const s = server;
    server = null;
    engine.reset();
    hub.dropAll();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((done) => s.close(() => done()));
  };

  const start = async () => {
    if (server) return;
    rmSync(dirs.temp, { recursive: true, force: true }); // ComfyUI empties temp/ at start-up
    mkdirSync(dirs.temp, { recursive: true });
    await listen();
  };

  await listen();

  return {
    get url() {
      return `http://${host}:${port}`;
    },
    get port() {
      return port;
    },
    dirs,
    requests,
    timing,
    dialect,
    registerNode(classType, impl, info) {
      nodes.set(classType, impl);
      if (info) catalog.add(classType, info);
    },
    queue: () => engine.queueState(),
    history: (id) => engine.historyEntry(id),
    socketCount: () => hub.connectionCount,
    socketsOpened: () => hub.opened,
    dropSockets: () => hub.dropAll(),
    stop,
    start,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      hub.close();
      if (ownsDir) rmSync(root, { recursive: true, force: true });
    },
  };
}
