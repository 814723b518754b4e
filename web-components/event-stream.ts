// The live job events over the WebSocket `<api>/events`: one socket per client, opened when the
// first view subscribes, reconnected with backoff, closed when the last view goes away.
import type { LabSocketMessage } from '../contract/socket.js';

/**
 * The server's messages, plus `reconnected` (local: the socket came back after a drop). The
 * server's `hello` arrives on every (re)connection once the subscription is live: views that
 * loaded over HTTP before it reload then, so no event falls in the gap.
 */
export type StreamMessage = LabSocketMessage | { type: 'reconnected' };
export type StreamListener = (message: StreamMessage) => void;
export type StreamState = 'idle' | 'connecting' | 'open' | 'closed';

const MAX_BACKOFF_MS = 10_000;
/** Views re-render and re-subscribe often; keep the socket a moment so they do not churn it. */
const LINGER_MS = 2_000;

export class LabEventStream {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<StreamListener>();
  private readonly stateListeners = new Set<(state: StreamState) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs = 500;
  private everOpened = false;
  private currentState: StreamState = 'idle';

  constructor(private readonly url: string) {}

  get state(): StreamState {
    return this.currentState;
  }

  /** Calls `listener` for every message until the returned function is called. */
  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (!this.socket && !this.retryTimer) this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      // Nobody listens: no more reconnect attempts; an open socket lingers a moment for the next view.
      if (this.retryTimer) this.shutdown();
      else this.lingerTimer = setTimeout(() => this.shutdown(), LINGER_MS);
    };
  }

  onState(listener: (state: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.currentState);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: StreamState): void {
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private connect(): void {
    this.retryTimer = null;
    this.setState('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.backoffMs = 500;
      this.setState('open');
      if (this.everOpened) this.dispatch({ type: 'reconnected' });
      this.everOpened = true;
    });
    socket.addEventListener('message', (event) => {
      try {
        this.dispatch(JSON.parse(String(event.data)) as LabSocketMessage);
      } catch {
        // A frame we cannot parse is not ours to interpret; the next one may be fine.
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setState('closed');
      if (this.listeners.size > 0) {
        this.retryTimer = setTimeout(() => this.connect(), this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      }
    });
  }

  private dispatch(message: StreamMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }

  private shutdown(): void {
    this.lingerTimer = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.everOpened = false;
    socket?.close();
    this.setState('idle');
  }
}
