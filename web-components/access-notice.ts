// What a refused user sees instead of a broken page: who may use Media Lab, and the server's reason.
import { html, type TemplateResult } from 'lit';
import type { ClientProblem as Problem } from './api-client.js';

export function accessNotice(problem: Problem): TemplateResult {
  const signedOut = problem.status === 401;
  return html`<section class="notice error" part="access-denied" role="alert" data-state="access-denied" data-status=${problem.status}>
    <h2>${signedOut ? 'Sign in required: Media Lab is admin only' : 'Admin only'}</h2>
    <p>
      ${signedOut
        ? 'Media Lab is available to admins only. Sign in with an admin account, then reload this page.'
        : 'Media Lab is available to admins only. Ask an admin for access if you need it.'}
    </p>
    ${problem.detail ? html`<p class="reason" part="access-denied-reason">Server: ${problem.detail}</p>` : null}
  </section>`;
}
