// The demo host: a tiny "wiki" that mounts Media Lab the way a real host would.
//   npm ci && npm start   ->   http://localhost:6699
import express from 'express';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { createMediaLab, type MediaLab } from '../plugin/index.js';
import { demoAuthenticate, demoTokens } from './demo-auth.js';
import { homePage, jobPage, mediaLabPage, signInPage } from './pages.js';
import { demoScreenshotsSource } from './demo-screenshots.js';
import { mountPromptQueueDemo, type PromptQueueDemo } from './prompt-queue-demo.js';

export interface DemoHostOptions {
  port?: number;
  dataDir?: string;
  comfyUrls?: string[];
  /** How often the ComfyUI backends are health-checked (default: the lab's, 15 s). */
  comfyHealthIntervalMs?: number;
  adminToken?: string;
  userToken?: string;
  quiet?: boolean;
  /** Where the lab and the prompt queue log (default: the console; with quiet, only warnings and errors). */
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Options of the prompt-queue adapter on /prompts (false: no prompt queue). */
  promptQueue?: Parameters<typeof mountPromptQueueDemo>[2] | false;
  /** Runs once the lab is migrated, before its workers and the prompt queue start (tests register kinds here). */
  setup?: (lab: MediaLab) => void | Promise<void>;
}

/** The port is taken: said in one line, with what to do (the demo host's entry prints only this). */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use (another demo host or server runs there). Stop it, or start on another port: PORT=${port + 1} npm start`);
    this.name = 'PortInUseError';
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port);
  });
}

export interface DemoHost {
  url: string;
  lab: MediaLab;
  promptQueue: PromptQueueDemo | null;
  close(): Promise<void>;
}

export async function startDemoHost(options: DemoHostOptions = {}): Promise<DemoHost> {
  const env = process.env;
  const tokens = {
    ...demoTokens(env),
    ...(options.adminToken ? { admin: options.adminToken } : {}),
    ...(options.userToken ? { user: options.userToken } : {}),
  };
  const dataDir = resolve(options.dataDir ?? env.DATA_DIR ?? './data');
  const comfyUrls = options.comfyUrls ?? (env.COMFYUI_URL ? env.COMFYUI_URL.split(',').map((s) => s.trim()).filter(Boolean) : []);
  const lab = await createMediaLab({
    dataDir,
    authenticate: demoAuthenticate(tokens),
    comfy: {
      backends: comfyUrls.map((url, i) => ({ name: `comfy-${i + 1}`, url })),
      ...(options.comfyHealthIntervalMs ? { healthIntervalMs: options.comfyHealthIntervalMs } : {}),
    },
    // The wiki's own screenshots, offered beside "upload" in the reference pickers.
    sources: [await demoScreenshotsSource(dataDir)],
    logger: options.logger ?? (options.quiet ? { info: () => undefined, warn: console.warn, error: console.error } : console),
  });
  await lab.migrate();
  await options.setup?.(lab);

  const app = express();
  app.disable('x-powered-by');
  app.use('/api/media-lab', lab.router);
  // Who is signed in (the header shows it): the same check the lab makes.
  const viewer = demoAuthenticate(tokens);
  app.get('/', (req, res) => res.type('html').send(homePage(viewer(req))));
  app.get('/media-lab', (req, res) => res.type('html').send(mediaLabPage(viewer(req))));
  app.get('/media-lab/jobs/:id', (req, res) => res.type('html').send(jobPage(req.params.id, viewer(req))));
  app.get('/sign-in', (req, res) => res.type('html').send(signInPage(req.query['signed-out'] !== undefined ? 'You are signed out.' : '', viewer(req))));
  app.post('/sign-in', express.urlencoded({ extended: false }), (req, res) => {
    const token = String((req.body as { token?: string }).token ?? '');
    if (token !== tokens.admin && token !== tokens.user) {
      res.status(401).type('html').send(signInPage('Unknown token.', viewer(req)));
      return;
    }
    res.cookie('media_lab_token', token, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.redirect(303, '/media-lab');
  });
  app.post('/sign-out', (_req, res) => {
    res.clearCookie('media_lab_token', { httpOnly: true, sameSite: 'lax', path: '/' });
    res.redirect(303, '/sign-in?signed-out');
  });
  const server = createServer(app);
  lab.attach(server);
  // The port before anything starts: a taken one stops here, with nothing to wind down.
  const port = options.port ?? Number(env.PORT ?? 6699);
  try {
    await listen(server, port);
  } catch (error) {
    await lab.stop();
    throw error;
  }
  // The lab first: its start loads the ComfyUI presets the prompt queue's first pass submits to.
  await lab.start();
  const promptQueue = options.promptQueue === false ? null : await mountPromptQueueDemo(lab, app, { viewer, ...(options.promptQueue ?? {}) });
  const address = server.address();
  const url = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
  if (!options.quiet) {
    console.log(`Media Lab demo host on ${url}  (data: ${dataDir})`);
    console.log(`  admin token:     ${tokens.admin}${env.MEDIA_LAB_ADMIN_TOKEN ? '' : '   (set MEDIA_LAB_ADMIN_TOKEN to change)'}`);
    console.log(`  non-admin token: ${tokens.user}${env.MEDIA_LAB_USER_TOKEN ? '' : '   (set MEDIA_LAB_USER_TOKEN to change)'}`);
    console.log(`  ComfyUI backends: ${comfyUrls.length ? comfyUrls.join(', ') : 'none (set COMFYUI_URL)'}`);
    console.log(`  sign in at ${url}/sign-in, then open ${url}/media-lab`);
    if (promptQueue) console.log(`  prompt queue: ${url}/prompts (media in ${promptQueue.queue.media.root})`);
  }
  return {
    url,
    lab,
    promptQueue,
    async close() {
      await promptQueue?.stop();
      await lab.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]).replace(/\.(ts|js)$/, '') === resolve(new URL(import.meta.url).pathname).replace(/\.(ts|js)$/, '');
if (isMain) {
  const host = await startDemoHost().catch((error: unknown) => {
    // A taken port (or a bad PORT) is the user's to fix: one line, no stack trace.
    if (error instanceof PortInUseError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  });
  const shutdown = async () => {
    console.log('Shutting down: letting running jobs reach a checkpoint...');
    await host.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
