// WebSocket /events on the same mount path: admins receive job.updated, job.progress and
// job.finished as they happen, in the order the bus emits them, and alert / alert.cleared
// (repeated failures; contract/alerts.ts) whatever job ids they subscribed to.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { labSocketMessageSchema, SOCKET_EVENTS, type LabSocketMessage } from '../../contract/socket.js';
import type { LabEventBus, JobProgressEvent } from '../events/bus.js';
import type { Job } from '../core/types.js';
import type { LabAlert } from '../../contract/alerts.js';
import type { Authenticate } from '../options.js';
import { checkAdmin } from './auth.js';
import { jobView } from './views.js';
import { NOT_ROUTED, problemAnswer, schemaRef, type ApiDoc } from './openapi.js';

export interface EventSocketOptions {
  path: string;
  authenticate: Authenticate;
  adminRole: string;
}

interface Client {
  socket: WebSocket;
  /** null = all jobs */
  jobIds: Set<string> | null;
}

export class EventSocketHub {
  // Clients only send small control messages (subscribe, ping).
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly clients = new Set<Client>();
  private readonly servers = new Set<Server>();
  private readonly upgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head);
  private readonly unsubscribe: () => void;

  constructor(
    bus: LabEventBus,
    private readonly options: EventSocketOptions,
  ) {
    const updated = (job: Job) => this.broadcast(job.id, { type: 'job.updated', job: jobView(job) });
    const progress = (p: JobProgressEvent) => this.broadcast(p.id, { type: 'job.progress', id: p.id, progress: p.progress, stage: p.stage, at: p.at });
    const finished = (job: Job) => this.broadcast(job.id, { type: 'job.finished', job: jobView(job) });
    bus.on('job.updated', updated);
    bus.on('job.progress', progress);
    bus.on('job.finished', finished);
    const alert = (a: LabAlert) => this.broadcast(null, { type: 'alert', alert: a });
    const cleared = (a: LabAlert, clearedBy: string) => this.broadcast(null, { type: 'alert.cleared', alert: a, clearedBy });
    bus.on('alert', alert);
    bus.on('alert.cleared', cleared);
    this.unsubscribe = () => {
      bus.off('job.updated', updated);
      bus.off('job.progress', progress);
      bus.off('job.finished', finished);
      bus.off('alert', alert);
      bus.off('alert.cleared', cleared);
    };
  }

  attach(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    server.on('upgrade', this.upgradeHandler);
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== this.options.path) return; // someone else's WebSocket
    const gate = await checkAdmin(this.options.authenticate, this.options.adminRole, req);
    if (!gate.ok) {
      const body = JSON.stringify({ type: 'about:blank', ...gate.problem });
      socket.end(
        `HTTP/1.1 ${gate.problem.status} ${gate.problem.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\n` +
          `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, gate.user.id));
  }

  private onConnection(socket: WebSocket, userId: string): void {
    const client: Client = { socket, jobIds: null };
    this.clients.add(client);
    send(socket, { type: 'hello', user: userId, events: [...SOCKET_EVENTS] });
    socket.on('message', (data) => {
      try {
        const message = JSON.parse(String(data)) as { type?: string; jobIds?: unknown };
        if (message.type === 'subscribe') {
          client.jobIds = Array.isArray(message.jobIds) ? new Set(message.jobIds.slice(0, 1000).map(String)) : null;
          send(socket, { type: 'subscribed', jobIds: client.jobIds ? [...client.jobIds] : 'all' });
        } else if (message.type === 'ping') {
          send(socket, { type: 'pong' });
        }
      } catch {
        send(socket, { type: 'error', detail: 'Messages must be JSON: {"type":"subscribe","jobIds":[...]}' });
      }
    });
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => this.clients.delete(client));
  }

  /** `jobId` null: a message for every client (alerts), whatever it subscribed to. */
  private broadcast(jobId: string | null, payload: LabSocketMessage): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify(payload);
    for (const client of this.clients) {
      if (jobId !== null && client.jobIds && !client.jobIds.has(jobId)) continue;
      if (client.socket.readyState === client.socket.OPEN) client.socket.send(text);
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const server of this.servers) server.off('upgrade', this.upgradeHandler);
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function send(socket: WebSocket, message: LabSocketMessage): void {
  socket.send(JSON.stringify(message));
}

/**
 * The OpenAPI part of the socket (collected in api-docs.ts). OpenAPI describes HTTP, so this is
 * the upgrade request and, as `x-media-lab-messages`, the schema of every message sent.
 */
export const eventsSocketDoc: ApiDoc = {
  tag: { name: 'events', description: 'Live job updates over a WebSocket.' },
  responses: { LabSocketMessage: labSocketMessageSchema },
  paths: {
    '/events': {
      [NOT_ROUTED]: 'a WebSocket upgrade, answered by the socket hub (lab.attach(server)), not by the router',
      get: {
        operationId: 'openEventSocket',
        summary: 'WebSocket: job.updated, job.progress, job.finished, alert, alert.cleared',
        description: [
          'Open with `Upgrade: websocket` (same auth as the API; hosts may accept `?token=`).',
          'The server sends `hello`, then a message per event (schema `LabSocketMessage`, discriminated by `type`).',
          'Send `{"type":"subscribe","jobIds":["..."]}` to receive only those jobs (answered `subscribed`; alerts reach every client), `{"type":"ping"}` for a `pong`.',
        ].join(' '),
        security: [{ bearer: [] }, { tokenQuery: [] }],
        'x-media-lab-messages': schemaRef('LabSocketMessage'),
        responses: {
          101: { description: 'Switching protocols: the socket is open' },
          401: problemAnswer('No signed-in user (the upgrade is refused)'),
          403: problemAnswer('Not an admin (the upgrade is refused)'),
        },
      },
    },
  },
};
