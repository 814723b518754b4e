// The standalone server for hosts that are not Node: the same router, on its own port,
// authenticated by an admin token (Bearer header, or ?token= for the WebSocket).
import express, { type Router } from 'express';
import { createServer, type IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { createMediaLab, type MediaLab } from '../media-lab.js';
import type { Authenticate } from '../options.js';
import type { LoggerInput } from '../core/logger.js';

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
  dataDir: string;
  database: string;
  comfy: string[];
  authenticate: Authenticate;
  worker: boolean;
  /** Bearer token for GET /api/media-lab/metrics (MEDIA_LAB_METRICS_TOKEN). */
  metricsToken?: string;
  /** The lab's logger (default: pino to stdout). */
  logger?: LoggerInput;
  /** Extra routers mounted at the root (the prompt-queue routes under /api/prompts). */
  extraRoutes?: (lab: MediaLab) => Promise<Array<{ path: string; router: Router }>>;
}

export async function startStandaloneServer(options: StandaloneOptions): Promise<{ url: string; lab: MediaLab; close(): Promise<void> }> {
  const lab = await createMediaLab({
    dataDir: options.dataDir,
    database: options.database,
    authenticate: options.authenticate,
    worker: { enabled: options.worker },
    metricsToken: options.metricsToken,
    logger: options.logger,
    comfy: { backends: options.comfy.map((url, i) => ({ name: `comfy-${i + 1}`, url })) },
  });
  await lab.migrate();
  const app = express();
  app.disable('x-powered-by');
  app.use(lab.options.mountPath, lab.router);
  for (const extra of (await options.extraRoutes?.(lab)) ?? []) app.use(extra.path, extra.router);
  const server = createServer(app);
  lab.attach(server);
  await lab.start();
  await new Promise<void>((done) => server.listen(options.port, done));
  const address = server.address();
  return {
    url: `http://localhost:${typeof address === 'object' && address ? address.port : options.port}`,
    lab,
    async close() {
      await lab.stop();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
