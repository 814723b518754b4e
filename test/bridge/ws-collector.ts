// A raw WebSocket client that records everything a ComfyUI server sends, for protocol tests.
import WebSocket from 'ws';
import { waitFor } from '../support/wait.js';

export interface Recorded {
  type: string;
  data: Record<string, unknown>;
}

export interface Collector {
  messages: Recorded[];
  frames: Buffer[];
  /** Frames and JSON messages in arrival order (frames as `{ type: '<binary>' }`). */
  order: Recorded[];
  ws: WebSocket;
  ofPrompt(promptId: string): Recorded[];
  until(type: string, promptId?: string, timeoutMs?: number): Promise<Recorded>;
  close(): void;
}

export async function collect(baseUrl: string, clientId?: string, options: { featureFlags?: boolean } = {}): Promise<Collector> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/ws${clientId ? `?clientId=${clientId}` : ''}`;
  const ws = new WebSocket(url);
  const messages: Recorded[] = [];
  const frames: Buffer[] = [];
  const order: Recorded[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      frames.push(data);
      order.push({ type: '<binary>', data: { bytes: data.length } });
      return;
    }
    const msg = JSON.parse(data.toString()) as Recorded;
    messages.push(msg);
    order.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (options.featureFlags) ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
  const ofPrompt = (promptId: string) => messages.filter((m) => m.data?.prompt_id === promptId);
  return {
    messages,
    frames,
    order,
    ws,
    ofPrompt,
    until: (type, promptId, timeoutMs = 10_000) =>
      waitFor(() => messages.find((m) => m.type === type && (!promptId || m.data?.prompt_id === promptId)), `${type} message`, timeoutMs),
    close: () => ws.close(),
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; contentType: string | null; text: string; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}
