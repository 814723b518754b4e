// Who may see a prompt's media. The host decides through the `canView` option; by default the
// prompt's owner (the owner column, when the table has one) and admins may.
import type { User } from '../core/types.js';
import type { CanViewPrompt, PromptQueueOptions } from './options.js';
import type { PromptRow } from './host-row.js';

export function defaultCanView(options: PromptQueueOptions, adminRole: string): CanViewPrompt {
  return (user: User, prompt: PromptRow) => {
    if (user.roles.includes(adminRole)) return true;
    const owner = prompt[options.columns.owner];
    return owner !== null && owner !== undefined && String(owner) === user.id;
  };
}
