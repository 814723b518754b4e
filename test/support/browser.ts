// A browser on top of a lab: the UI bundle built, the demo host (the pages under test: the wiki
// section and the prompt-queue page, over a Media Lab) started in-process on a free port with
// a fresh data dir and the test users of auth.ts, and Debian's Chromium driven by playwright-core.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startDemoHost, type DemoHost, type DemoHostOptions } from '../../examples/demo-host.js';
import type { KindDefinition } from '../../plugin/core/types.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import { ADMIN, USER } from './auth.js';
import { contractOf } from './openapi.js';
import { nextEvent, waitFor } from './wait.js';
export const CHROMIUM = process.env.MEDIA_LAB_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = resolve('test-output/screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const ROOT = resolve('.');
const BUNDLE = join(ROOT, 'dist/ui/media-lab.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ui/media-lab.js when it is missing or older than web-components/. */
export function ensureUiBundle(): void {
  const stale = !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newestSource(join(ROOT, 'web-components'));
  if (stale) execFileSync(process.execPath, ['scripts/build-ui.mjs', '--no-types'], { cwd: ROOT, stdio: 'pipe' });
}

export interface Harness {
  host: DemoHost;
  browser: Browser;
  url: string;
  api: string;
  dataDir: string;
  /** Errors thrown in any page of this harness (uncaught exceptions); tests assert it stays empty. */
  pageErrors: string[];
  /** A fresh context (own cookies) signed in with `token` (null: signed out). */
  newPage(options?: { token?: string | null; width?: number; height?: number; touch?: boolean }): Promise<Page>;
  /** fetch against the Media Lab API from Node, as the admin unless told otherwise. */
  apiJson<T = Record<string, unknown>>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T }>;
  upload(bytes: Buffer, filename: string): Promise<{ id: string; contentUrl: string }>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Test executors registered in place of the installed pipelines of their kinds. */
  kinds?: KindDefinition<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- test kinds carry their own param types
  /** More demo host options (ComfyUI backends, the prompt queue: off unless given). */
  demo?: Partial<DemoHostOptions>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does it) or set MEDIA_LAB_CHROMIUM. Never "npx playwright install".`);
  }
  ensureUiBundle();
  const dataDir = mkdtempSync(join(tmpdir(), 'media-lab-browser-'));
  const host = await startDemoHost({
    promptQueue: false,
    ...options.demo,
    port: 0,
    dataDir,
    quiet: true,
    // Warnings the tests expect (no ComfyUI backends, prompts that fail on purpose) stay out of
    // the test output; errors (a claim or janitor that failed) still show.
    logger: { info: () => undefined, warn: () => undefined, error: console.error },
    adminToken: ADMIN,
    userToken: USER,
    // Before the workers and the prompt queue start, so nothing runs on the kinds being replaced.
    setup: (lab) => {
      for (const kind of options.kinds ?? []) lab.kinds.register(kind);
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts = new Set<BrowserContext>();
  const pageErrors: string[] = [];
  const api = `${host.url}/api/media-lab`;
  mkdirSync(SCREENSHOTS, { recursive: true });

  // Every answer the tests read is checked against the lab's OpenAPI document, as TestLab does.
  const openApi = contractOf(api);
  const apiJson = async <T>(path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = ADMIN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    if (typeof rest.body === 'string') headers.set('Content-Type', 'application/json');
    const res = await fetch(`${api}${path}`, { ...rest, headers });
    await (await openApi()).checkResponse(rest.method ?? 'GET', res);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };

  return {
    host,
    browser,
    url: host.url,
    api,
    dataDir,
    pageErrors,
    async newPage({ token = ADMIN, width = 1280, height = 900, touch = false } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, hasTouch: touch, isMobile: false });
      contexts.add(context);
      if (token) await context.addCookies([{ name: 'media_lab_token', value: token, url: host.url }]);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
      return page;
    },
    apiJson,
    async upload(bytes, filename) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(bytes)]), filename);
      const res = await fetch(`${api}/uploads`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${ADMIN}` } });
      await (await openApi()).checkResponse('POST', res);
      if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string; contentUrl: string };
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The job's status from the API, polled until it is one of `statuses`. */
export async function waitForJobStatus(h: Harness, id: string, statuses: string[], timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const { body } = await h.apiJson<Record<string, unknown>>(`/jobs/${id}`);
    return statuses.includes(String(body.status)) ? body : null;
  }, `job ${id} to reach ${statuses.join('/')}`, timeoutMs, 50);
}

/** Horizontal overflow of the document: how many px wider the content is than the viewport. */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth);
}

/**
 * Polls until the text of any element the locator matches fits `pattern` (Playwright's CSS
 * locators pierce open shadow roots; a custom element's own innerText does not include its shadow).
 */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(async () => {
      const texts = await locator.allInnerTexts().catch(() => [] as string[]);
      last = texts.join(' | ');
      return texts.find((text) => pattern.test(text)) ?? null;
    }, `text ${pattern}`, timeoutMs, 50);
  } catch {
    throw new Error(`timed out waiting for ${pattern} (last text: ${JSON.stringify(last)})`);
  }
}

/** Every frame the page's WebSockets receive, from now on; `next` waits for one that matches. */
export function socketFrames(page: Page): { frames: string[]; next(accept: (payload: string) => boolean, what: string, timeoutMs?: number): Promise<string> } {
  const frames: string[] = [];
  const listeners = new Set<(payload: string) => void>();
  page.on('websocket', (ws) =>
    ws.on('framereceived', (frame) => {
      const payload = String(frame.payload);
      frames.push(payload);
      for (const listener of listeners) listener(payload);
    }),
  );
  return {
    frames,
    next(accept, what, timeoutMs = 20_000) {
      const already = frames.find(accept);
      if (already) return Promise.resolve(already);
      return nextEvent<string>(
        (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        accept,
        what,
        timeoutMs,
      );
    },
  };
}

/**
 * The hooks of a browser suite on the demo host with a fake ComfyUI: both started before the
 * suite (handed to `use`), closed after it, and no page error left after each test.
 *   let h: Harness; let comfy: FakeComfy;
 *   withFakeComfyHarness((started) => ({ h, comfy } = started));
 */
export function withFakeComfyHarness(use: (started: { h: Harness; comfy: FakeComfy }) => void): void {
  let h: Harness | undefined;
  let comfy: FakeComfy | undefined;
  before(async () => {
    comfy = await startFakeComfy();
    h = await startHarness({ demo: { comfyUrls: [comfy.url] } });
    use({ h, comfy });
  });
  after(async () => {
    await h?.close();
    await comfy?.close();
  });
  afterEach(() => assert.deepEqual(h?.pageErrors.splice(0) ?? [], []));
}
