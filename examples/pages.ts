// The demo host's pages: a wiki-like shell with a "Media Lab" section and a sign-in page. The
// header says who is signed in and offers sign-out (or sign-in when nobody is).

/** Who is signed in, as the header shows it (null: nobody). */
export interface Viewer {
  id: string;
  roles: string[];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function account(viewer: Viewer | null | undefined): string {
  if (!viewer) return '<a href="/sign-in" data-role="sign-in">Sign in</a>';
  const role = viewer.roles.includes('admin') ? 'admin' : 'not an admin';
  return `<span data-role="signed-in-as">Signed in as <strong>${escapeHtml(viewer.id)}</strong> (${role})</span>
<form method="post" action="/sign-out" class="sign-out"><button data-action="sign-out">Sign out</button></form>`;
}

const shell = (title: string, body: string, viewer?: Viewer | null) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Demo Wiki</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; }
  header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid #8884; flex-wrap: wrap; }
  header a { color: inherit; }
  header .account { margin-inline-start: auto; display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; font-size: .9rem; }
  header .sign-out { margin: 0; }
  main { padding: 1rem; max-width: 1200px; margin: 0 auto; box-sizing: border-box; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #8884; padding: .35rem; text-align: left; font-size: .9rem; }
</style>
<script type="module" src="/api/media-lab/ui/media-lab.js"></script>
</head><body>
<header><strong>Demo Wiki</strong><nav><a href="/">Home</a> · <a href="/media-lab">Media Lab</a> · <a href="/prompts">Prompt queue</a></nav><div class="account">${account(viewer)}</div></header>
<main>${body}</main></body></html>`;

export function homePage(viewer?: Viewer | null): string {
  return shell('Home', `<h1>Demo Wiki</h1><p>This host stands in for a wiki. Its <a href="/media-lab">Media Lab</a> section is the Media Lab plugin mounted at <code>/api/media-lab</code>.</p>`, viewer);
}

// The wiki's Media Lab section: the workspace, with job links pointing at the wiki's job pages.
export function mediaLabPage(viewer?: Viewer | null): string {
  return shell(
    'Media Lab',
    `<h1>Media Lab</h1>
<media-lab-app api="/api/media-lab" job-href="/media-lab/jobs/{id}" hash-tabs></media-lab-app>
<noscript>Media Lab needs JavaScript.</noscript>`,
    viewer,
  );
}

export function jobPage(id: string, viewer?: Viewer | null): string {
  const safe = id.replace(/[^0-9a-zA-Z-]/g, '');
  return shell(
    'Job',
    `<p><a href="/media-lab">← Media Lab</a> · <a href="/media-lab#jobs">All jobs</a></p>
<media-lab-job api="/api/media-lab" job-id="${safe}" job-href="/media-lab/jobs/{id}"></media-lab-job>
<media-lab-toasts global></media-lab-toasts>`,
    viewer,
  );
}

export function signInPage(message = '', viewer?: Viewer | null): string {
  return shell(
    'Sign in',
    `<h1>Sign in</h1>${message ? `<p role="status" data-role="sign-in-message">${message}</p>` : ''}
<form method="post" action="/sign-in"><label>Token <input name="token" autocomplete="off" required></label> <button data-action="sign-in">Sign in</button></form>
<p>The tokens are printed in the server log at start-up.</p>`,
    viewer,
  );
}

/** One row of the host's prompts table, as the queue page lists it. */
export interface PromptSummary {
  id: string | number;
  type: string;
  text: string | null;
  status: string | null;
}

const MEDIA_PROMPT_TYPES = new Set(['image', 'music', 'voice']);


/** The host's queue page: each media prompt shows its thumbnails or players through <prompt-artifacts>. */
export function promptsPage(prompts: PromptSummary[] | string, options: { promptsApi?: string; viewer?: Viewer | null } = {}): string {
  if (typeof prompts === 'string') return shell('Prompt queue', `<h1>Prompt queue</h1>${prompts}`, options.viewer);
  const api = escapeHtml(options.promptsApi ?? '/api/prompts');
  const rows = prompts
    .map((p) => {
      const id = escapeHtml(String(p.id));
      const type = escapeHtml(p.type);
      const media = MEDIA_PROMPT_TYPES.has(p.type)
        ? `<prompt-artifacts api="${api}" prompt-id="${id}" prompt-type="${type}" poll="5"></prompt-artifacts>`
        : `<span class="muted">${type} (text only)</span>`;
      return `<li class="prompt" data-prompt-id="${id}"><div class="prompt-text"><strong>#${id}</strong> ${escapeHtml(p.text ?? '')} <span class="muted">${escapeHtml(p.status ?? '')}</span></div>${media}</li>`;
    })
    .join('\n');
  return shell(
    'Prompt queue',
    `<h1>Prompt queue</h1>
<style>
  .prompts { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
  .prompt { border: 1px solid #8884; border-radius: 8px; padding: .75rem; display: grid; gap: .5rem; min-width: 0; overflow-wrap: anywhere; }
  .muted { opacity: .7; font-size: .9rem; }
</style>
${prompts.length ? `<ul class="prompts">${rows}</ul>` : '<p>No prompts yet.</p>'}`,
    options.viewer,
  );
}
