// The standalone server for hosts that are not Node: the same router, on its own port,
// authenticated by an admin token (Bearer header, or ?token= for the WebSocket).
import express, { type Router } from 'express';
import { createServer, type IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { createMediaLab, type MediaLab } from '../media-lab.js';
import type { Authenticate, MediaLabOptionsInput } from '../options.js';
import type { BackendSetting } from './settings.js';

export function tokenAuthenticate(adminToken: string): Authenticate {
  const expected = Buffer.from(adminToken);
  return (req: IncomingMessage) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    if (!given) return null;
    const buf = Buffer.from(given);
    return buf.length === expected.length && timingSafeEqual(buf, expected) ? { id: 'admin-token', roles: ['admin'] } : null;
  };
}

export interface StandaloneOptions {
  port: number;
  /** The interface to listen on (default 127.0.0.1: this machine only; 0.0.0.0 or :: for every interface). */
  host?: string;
  dataDir: string;
  database: string;
  /** ComfyUI backends: URLs, or entries with name, weight, burst and headers. */
  comfy: Array<string | BackendSetting>;
  authenticate: Authenticate;
  worker: boolean;
  /** The rest of createMediaLab's options (from the config file); the fields above win. */
  lab?: Omit<MediaLabOptionsInput, 'authenticate'>;
  /** Extra routers mounted at the root (the prompt-queue routes under /api/prompts). */
  extraRoutes?: (lab: MediaLab) => Promise<Array<{ path: string; router: Router }>>;
  /** Where the lab logs (default: the console). */
  logger?: MediaLabOptionsInput['logger'];
}

export async function startStandaloneServer(options: StandaloneOptions): Promise<{ url: string; lab: MediaLab; close(): Promise<void> }> {
  const backends = options.comfy.map((b, i) => (typeof b === 'string' ? { name: `comfy-${i + 1}`, url: b } : b));
  const lab = await createMediaLab({
    ...options.lab,
    dataDir: options.dataDir,
    database: options.database,
    authenticate: options.authenticate,
    worker: { ...options.lab?.worker, enabled: options.worker },
    comfy: { ...options.lab?.comfy, backends },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await lab.migrate();
  const app = express();
  app.disable('x-powered-by');
  app.use(lab.options.mountPath, lab.router);
  for (const extra of (await options.extraRoutes?.(lab)) ?? []) app.use(extra.path, extra.router);
  const server = createServer(app);
  lab.attach(server);
  await lab.start();
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port, host, () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (error) {
    await lab.stop(); // the port is taken, or the host is not an address of this machine
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    lab,
    async close() {
      await lab.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
