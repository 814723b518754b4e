// Follows one prompt to its outcome. WebSocket messages drive it; HTTP settles it when the
// socket drops or goes quiet: /queue says "still pending/running", /history says "finished",
// neither says "lost" (ComfyUI answers /history with {} for pending and unknown prompts alike).
import { ComfyLostError, ComfyUnreachableError } from '../errors.js';
import type { ApiWorkflow, BinaryFrame, ComfyMessage, PromptLocation, PromptOutcome, PromptProgress } from '../types.js';
import { PromptTracker } from './prompt-tracker.js';
import type { ComfySocket } from './socket.js';

export interface WatchSettings {
  /** Settle over HTTP when no message came for this long. */
  watchdogMs: number;
  /** While the socket is down, settle over HTTP this often. */
  pollWhileDisconnectedMs: number;
  /** Fail with COMFY_UNREACHABLE when neither socket nor HTTP worked for this long. */
  giveUpAfterMs: number;
}

export interface WatchCallbacks {
  onProgress?(progress: PromptProgress): void;
  onPreview?(frame: BinaryFrame): void;
}

export interface WatchDeps {
  backend: string;
  socket: ComfySocket;
  locate(promptId: string): Promise<PromptLocation>;
  /** Re-reads history after execution_success (it can lag behind the message). */
  confirm(promptId: string, fromSocket: PromptOutcome): Promise<PromptOutcome>;
  release(): void;
}

export class PromptWatch {
  readonly outcome: Promise<PromptOutcome>;
  private readonly tracker: PromptTracker;
  private resolveOutcome!: (outcome: PromptOutcome) => void;
  private rejectOutcome!: (error: unknown) => void;
  private finished = false;
  private armed = false;
  private settling = false;
  private settleAgain = false;
  private lastActivity = Date.now();
  private unreachableSince: number | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;
  private released = false;

  constructor(
    readonly promptId: string,
    prompt: ApiWorkflow | null,
    private readonly deps: WatchDeps,
    private readonly settings: WatchSettings,
    private readonly callbacks: WatchCallbacks = {},
  ) {
    this.tracker = new PromptTracker(promptId, prompt);
    this.outcome = new Promise<PromptOutcome>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    this.outcome.catch(() => undefined); // callers may stop watching without awaiting
    const { socket } = deps;
    socket.on('message', this.onMessage);
    socket.on('binary', this.onBinary);
    socket.on('disconnected', this.onDisconnected);
    socket.on('reconnected', this.onReconnected);
    socket.on('unreachable', this.onUnreachable);
    if (!socket.connected) this.onDisconnected();
  }

  get clientId(): string {
    return this.deps.socket.clientId;
  }

  progress(): PromptProgress {
    return this.tracker.progress();
  }

  setPrompt(prompt: ApiWorkflow): void {
    this.tracker.setPrompt(prompt);
  }

  /** From now on the prompt is on the server: silence or a dropped socket is settled over HTTP. */
  arm(): void {
    if (this.armed || this.finished) return;
    this.armed = true;
    this.lastActivity = Date.now();
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastActivity >= this.settings.watchdogMs) this.settleNow();
    }, Math.max(50, Math.min(this.settings.watchdogMs, 1000)));
    this.watchdog.unref?.();
    if (!this.deps.socket.connected) this.startPolling();
  }

  /** Asks /queue and /history where the prompt is. */
  settleNow(): void {
    if (!this.armed || this.finished) return;
    if (this.settling) {
      this.settleAgain = true;
      return;
    }
    this.settling = true;
    this.lastActivity = Date.now();
    void this.settle().finally(() => {
      this.settling = false;
      if (this.settleAgain && !this.finished) {
        this.settleAgain = false;
        this.settleNow();
      }
    });
  }

  /** Stops watching; the outcome promise stays pending. */
  close(): void {
    this.cleanup();
  }

  private async settle(): Promise<void> {
    let location: PromptLocation;
    try {
      location = await this.deps.locate(this.promptId);
      this.unreachableSince = null;
    } catch (error) {
      if (!(error instanceof ComfyUnreachableError)) return this.fail(error);
      this.unreachableSince ??= Date.now();
      if (Date.now() - this.unreachableSince >= this.settings.giveUpAfterMs && !this.deps.socket.connected) this.fail(error);
      return;
    }
    if (this.finished) return;
    if (location.state === 'finished') this.finish(location.outcome);
    else if (location.state === 'unknown') {
      // A terminal message may have arrived while we asked: trust it over the empty answer.
      if (this.tracker.outcome) return this.finishFromSocket();
      this.fail(new ComfyLostError(this.deps.backend, this.promptId));
    } else if (location.state === 'running' && this.tracker.phase === 'queued') {
      this.tracker.phase = 'running';
      this.callbacks.onProgress?.(this.tracker.progress());
    }
  }

  private onMessage = (message: ComfyMessage): void => {
    if (this.finished || !this.tracker.apply(message)) return;
    this.lastActivity = Date.now();
    this.callbacks.onProgress?.(this.tracker.progress());
    if (this.tracker.outcome) this.finishFromSocket();
    else if (message.type === 'executing' && message.data.node === null) this.settleNow(); // end marker without a terminal message
  };

  private onBinary = (frame: BinaryFrame, promptId: string | null): void => {
    if (promptId === this.promptId && !this.finished) {
      this.lastActivity = Date.now();
      this.callbacks.onPreview?.(frame);
    }
  };

  private onDisconnected = (): void => {
    if (this.armed) this.startPolling();
  };

  private onReconnected = (): void => {
    this.stopPolling();
    this.settleNow(); // messages sent while we were away are lost
  };

  private onUnreachable = (): void => {
    this.settleNow(); // HTTP may still work; settle() fails only if it does not
  };

  private startPolling(): void {
    if (this.poller || this.finished) return;
    this.settleNow();
    this.poller = setInterval(() => this.settleNow(), this.settings.pollWhileDisconnectedMs);
    this.poller.unref?.();
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  private finishFromSocket(): void {
    const fromSocket = this.tracker.outcome as PromptOutcome;
    if (fromSocket.status !== 'success') return this.finish(fromSocket);
    if (this.finished) return;
    this.finished = true; // no more settling while history is confirmed
    this.deps
      .confirm(this.promptId, fromSocket)
      .then((confirmed) => this.complete(() => this.resolveOutcome(confirmed)))
      .catch(() => this.complete(() => this.resolveOutcome(fromSocket)));
  }

  private finish(outcome: PromptOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.complete(() => this.resolveOutcome(outcome));
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.complete(() => this.rejectOutcome(error));
  }

  private complete(settle: () => void): void {
    this.cleanup();
    settle();
  }

  private cleanup(): void {
    this.finished = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.stopPolling();
    const { socket } = this.deps;
    socket.off('message', this.onMessage);
    socket.off('binary', this.onBinary);
    socket.off('disconnected', this.onDisconnected);
    socket.off('reconnected', this.onReconnected);
    socket.off('unreachable', this.onUnreachable);
    if (!this.released) {
      this.released = true;
      this.deps.release();
    }
  }
}
