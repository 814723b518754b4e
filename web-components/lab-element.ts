// The base of every element that talks to the API: the `api` and `token` attributes, the shared
// client, and one way to turn 401/403 answers into a clear "admin only" notice.
import { LitElement } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ApiError, DEFAULT_API, clientFor, type MediaLabClient } from './api-client.js';
import type { ClientProblem as Problem } from './api-client.js';
import { emit } from './events.js';
import type { StreamListener, StreamState } from './event-stream.js';

export abstract class LabElement extends LitElement {
  /** Where the host mounted Media Lab's router. */
  @property() api: string = DEFAULT_API;

  /** Optional bearer token; without it the host's session cookie authenticates. */
  @property() token: string | null = null;

  /** Set when the API refused this user (401/403): the element shows why instead of its content. */
  @state() protected accessProblem: Problem | null = null;

  private subscriptions: Array<() => void> = [];

  protected get client(): MediaLabClient {
    return clientFor(this.api, this.token);
  }

  /** Listens to the live job events until disconnect, an access refusal, or unsubscribeAll(). */
  protected subscribe(listener: StreamListener, onState?: (state: StreamState) => void): void {
    this.subscriptions.push(this.client.events.subscribe(listener));
    if (onState) this.subscriptions.push(this.client.events.onState(onState));
  }

  protected unsubscribeAll(): void {
    for (const stop of this.subscriptions.splice(0)) stop();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribeAll();
  }

  /**
   * Call from a catch block: returns true when the error was an access refusal (now shown as
   * the admin-only notice, and announced with `media-lab-access-denied`).
   */
  protected handleAccessError(error: unknown): boolean {
    if (!(error instanceof ApiError) || !error.isAccessDenied) return false;
    // The socket would be refused too: stop retrying it.
    this.unsubscribeAll();
    if (!this.accessProblem) emit(this, 'media-lab-access-denied', { problem: error.problem });
    this.accessProblem = error.problem;
    return true;
  }
}

/** Message of any error, for people: the server's detail when it sent one. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  if (error instanceof Error) return error.message;
  return String(error);
}
