// One WebSocket to a ComfyUI server under one client id. It reconnects by itself (exponential
// backoff with jitter) and tells its listeners when it is down, back, or down for too long;
// listeners then settle what they were waiting for over HTTP (messages sent while the socket
// was down are gone for good).
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { BinaryFrame, ComfyMessage } from '../types.js';
import { backoffDelay, type BackoffSettings } from './backoff.js';
import { parseBinaryFrame } from './binary-frames.js';

export interface ReconnectSettings extends BackoffSettings {
  /** After this long without a connection, listeners hear `unreachable` (reconnecting goes on). */
  giveUpAfterMs: number;
}

export interface SocketSettings {
  url: string;
  clientId: string;
  headers?: Record<string, string>;
  reconnect: ReconnectSettings;
}

export type MessageListener = (message: ComfyMessage) => void;
export type BinaryListener = (frame: BinaryFrame, promptId: string | null) => void;

interface SocketEvents {
  open: [];
  reconnected: [];
  disconnected: [];
  unreachable: [reason: string];
  status: [queueRemaining: number];
  message: [message: ComfyMessage];
  binary: [frame: BinaryFrame, promptId: string | null];
}

export class ComfySocket extends EventEmitter<SocketEvents> {
  private ws: WebSocket | null = null;
  private closed = false;
  private everOpened = false;
  private attempt = 0;
  private downSince: number | null = null;
  private unreachableTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastError = 'not connected yet';
  /** Prompt of the latest `executing`: event-1 preview frames carry no prompt id. */
  private executingPrompt: string | null = null;

  constructor(private readonly settings: SocketSettings) {
    super();
    this.setMaxListeners(0);
  }

  get clientId(): string {
    return this.settings.clientId;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.ws || this.closed) return;
    this.downSince ??= Date.now();
    this.armUnreachableTimer();
    const wsUrl = `${this.settings.url.replace(/\/+$/, '').replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(this.settings.clientId)}`;
    const ws = new WebSocket(wsUrl, { headers: this.settings.headers, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.downSince = null;
      this.clearUnreachableTimer();
      // Ask for preview metadata: event-4 frames name their prompt.
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      if (this.everOpened) this.emit('reconnected');
      else this.emit('open');
      this.everOpened = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onData(data, isBinary));
    ws.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    ws.on('close', () => {
      const wasOpen = this.downSince === null;
      this.ws = null;
      if (this.closed) return;
      if (wasOpen) {
        this.downSince = Date.now();
        this.lastError = 'connection closed';
        this.armUnreachableTimer();
        this.emit('disconnected');
      }
      this.scheduleReconnect();
    });
  }

  /** Resolves once connected; rejects with the last error after giveUpAfterMs. */
  ready(): Promise<void> {
    if (this.connected) return Promise.resolve();
    this.connect();
    if (this.downSince !== null && Date.now() - this.downSince >= this.settings.reconnect.giveUpAfterMs) {
      // Down for long enough already: do not wait for the next "unreachable".
      return Promise.reject(new Error(`no WebSocket connection for ${Date.now() - this.downSince} ms (${this.lastError})`));
    }
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.off('open', onOpen);
        this.off('reconnected', onOpen);
        this.off('unreachable', onGiveUp);
      };
      const onOpen = () => {
        cleanup();
        resolve();
      };
      const onGiveUp = (reason: string) => {
        cleanup();
        reject(new Error(reason));
      };
      this.on('open', onOpen);
      this.on('reconnected', onOpen);
      this.on('unreachable', onGiveUp);
    });
  }

  close(): void {
    this.closed = true;
    this.clearUnreachableTimer();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.ws?.terminate();
    this.ws = null;
    this.removeAllListeners();
  }

  /** Cuts the connection as a network failure would (tests, or a stuck connection). */
  drop(): void {
    this.ws?.terminate();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    const delay = backoffDelay(this.attempt++, this.settings.reconnect);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private armUnreachableTimer(): void {
    if (this.unreachableTimer || this.downSince === null) return;
    const left = Math.max(0, this.settings.reconnect.giveUpAfterMs - (Date.now() - this.downSince));
    this.unreachableTimer = setTimeout(() => {
      this.unreachableTimer = null;
      if (!this.connected && !this.closed) this.emit('unreachable', `no WebSocket connection for ${this.settings.reconnect.giveUpAfterMs} ms (${this.lastError})`);
    }, left);
    this.unreachableTimer.unref?.();
  }

  private clearUnreachableTimer(): void {
    if (this.unreachableTimer) clearTimeout(this.unreachableTimer);
    this.unreachableTimer = null;
  }

  private onData(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      const frame = parseBinaryFrame(data);
      const promptId = frame.event === 'preview' && frame.promptId ? frame.promptId : this.executingPrompt;
      this.emit('binary', frame, promptId);
      return;
    }
    let message: ComfyMessage;
    try {
      message = JSON.parse(data.toString('utf8')) as ComfyMessage;
    } catch {
      return; // not ours to fix; ComfyUI only sends JSON text frames
    }
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'status') {
      const remaining = message.data?.status?.exec_info?.queue_remaining;
      if (typeof remaining === 'number') this.emit('status', remaining);
    } else if (message.type === 'executing') {
      this.executingPrompt = message.data.node === null ? null : message.data.prompt_id;
    }
    this.emit('message', message);
  }
}
