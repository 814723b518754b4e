// The demo host's pages: a wiki-like shell with a "Media Lab" section and a sign-in page.
const shell = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Demo Wiki</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; }
  header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid #8884; flex-wrap: wrap; }
  header a { color: inherit; }
  main { padding: 1rem; max-width: 1200px; margin: 0 auto; box-sizing: border-box; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #8884; padding: .35rem; text-align: left; font-size: .9rem; }
</style>
<script type="module" src="/api/media-lab/ui/media-lab.js"></script>
</head><body>
<header><strong>Demo Wiki</strong><nav><a href="/">Home</a> · <a href="/media-lab">Media Lab</a> · <a href="/prompts">Prompt queue</a> · <a href="/sign-in">Sign in</a></nav></header>
<main>${body}</main></body></html>`;

export function homePage(): string {
  return shell('Home', `<h1>Demo Wiki</h1><p>This host stands in for a wiki. Its <a href="/media-lab">Media Lab</a> section is the Media Lab plugin mounted at <code>/api/media-lab</code>.</p>`);
}

export function mediaLabPage(): string {
  return shell(
    'Media Lab',
    `<h1>Media Lab</h1>
<media-lab-app api="/api/media-lab"></media-lab-app>
<noscript>Media Lab needs JavaScript.</noscript>`,
  );
}

export function jobPage(id: string): string {
  const safe = id.replace(/[^0-9a-zA-Z-]/g, '');
  return shell('Job', `<p><a href="/media-lab">← Media Lab</a></p><media-lab-job api="/api/media-lab" job-id="${safe}"></media-lab-job>`);
}

export function signInPage(message = ''): string {
  return shell(
    'Sign in',
    `<h1>Sign in</h1>${message ? `<p role="status">${message}</p>` : ''}
<form method="post" action="/sign-in"><label>Token <input name="token" autocomplete="off" required></label> <button>Sign in</button></form>
<p>The tokens are printed in the server log at start-up.</p>`,
  );
}

export function promptsPage(rows: string): string {
  return shell('Prompt queue', `<h1>Prompt queue</h1>${rows}`);
}
