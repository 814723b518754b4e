// The fake's /ws endpoint: one socket per client id (a new socket with the same id takes the
// id over), `status` with `sid` on connect, optional feature-flag negotiation, execution
// messages only to the prompt's client, `status` to everyone, binary preview frames in both
// header layouts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

interface Session {
  socket: WebSocket;
  supportsPreviewMetadata: boolean;
  sawFirstMessage: boolean;
}

export const SERVER_FEATURES = { supports_preview_metadata: true, max_upload_size: 104857600 };

export class WsHub {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private readonly all = new Set<WebSocket>();
  /** Connections accepted since start (reconnects included). */
  opened = 0;

  constructor(private readonly queueRemaining: () => number) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') || randomUUID().replace(/-/g, '');
      const session: Session = { socket: ws, supportsPreviewMetadata: false, sawFirstMessage: false };
      this.opened += 1;
      this.sessions.set(sid, session); // reusing an id replaces the old socket
      this.all.add(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const first = !session.sawFirstMessage;
        session.sawFirstMessage = true;
        try {
          const msg = JSON.parse(String(data)) as { type?: string; data?: { supports_preview_metadata?: boolean } };
          if (first && msg.type === 'feature_flags') {
            session.supportsPreviewMetadata = msg.data?.supports_preview_metadata === true;
            ws.send(JSON.stringify({ type: 'feature_flags', data: SERVER_FEATURES }));
          }
        } catch {
          // ComfyUI logs and ignores unparseable client messages
        }
      });
      ws.on('close', () => {
        this.all.delete(ws);
        if (this.sessions.get(sid)?.socket === ws) this.sessions.delete(sid);
      });
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: this.queueRemaining() } }, sid } }));
    });
  }

  send(clientId: string | undefined, type: string, data: unknown): void {
    if (!clientId) return;
    const session = this.sessions.get(clientId);
    if (session && session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify({ type, data }));
  }

  broadcast(type: string, data: unknown): void {
    const text = JSON.stringify({ type, data });
    for (const ws of this.all) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  supportsPreviewMetadata(clientId: string | undefined): boolean {
    return clientId ? this.sessions.get(clientId)?.supportsPreviewMetadata === true : false;
  }

  /** Event 1 (PREVIEW_IMAGE): [u32 1][u32 format 2=PNG][bytes]; event 4: [u32 4][u32 len][metadata JSON][bytes]. */
  sendPreview(clientId: string | undefined, png: Buffer, metadata: Record<string, unknown>): void {
    if (!clientId) return;
    const session = this.sessions.get(clientId);
    if (!session || session.socket.readyState !== session.socket.OPEN) return;
    let frame: Buffer;
    if (session.supportsPreviewMetadata) {
      const meta = Buffer.from(JSON.stringify({ ...metadata, image_type: 'image/png' }));
      const head = Buffer.alloc(8);
      head.writeUInt32BE(4, 0);
      head.writeUInt32BE(meta.length, 4);
      frame = Buffer.concat([head, meta, png]);
    } else {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(1, 0);
      head.writeUInt32BE(2, 4);
      frame = Buffer.concat([head, png]);
    }
    session.socket.send(frame, { binary: true });
  }

  /** Cuts every connection (the server stays up). */
  dropAll(): void {
    for (const ws of this.all) ws.terminate();
    this.all.clear();
    this.sessions.clear();
  }

  close(): void {
    this.dropAll();
    this.server.close();
  }

  get connectionCount(): number {
    return this.all.size;
  }
}
