// Who `media-lab serve` lets in: the admin token (MEDIA_LAB_ADMIN_TOKEN / --token-file) first,
// then tokens the host mints for its own users (MEDIA_LAB_JWT_*). Either is enough to start;
// host users see their own prompts' media and get 403 on the admin routes.
import { readFileSync } from 'node:fs';
import { OptionsError, type Authenticate } from '../options.js';
import { firstAuthenticated, hostTokenAuthenticate, hostTokenConfigFromEnv, HostTokenConfigError, HOST_TOKEN_ENV } from '../http/host-tokens/index.js';
import { tokenAuthenticate } from './serve.js';

export interface ServeAuth {
  authenticate: Authenticate;
  /** One line for the start-up log. */
  summary: string;
}

/** Throws OptionsError (exit 2) when neither is set or the host-token settings are wrong. */
export function serveAuthenticate(adminToken: string | undefined, env: NodeJS.ProcessEnv = process.env): ServeAuth {
  let hostTokens: Authenticate | null = null;
  let keys = '';
  try {
    const config = hostTokenConfigFromEnv(env, (path) => readFileSync(path, 'utf8'));
    if (config) {
      hostTokens = hostTokenAuthenticate(config);
      keys = [config.secret !== undefined ? 'HS256 secret' : '', config.publicKeyFile ? `public key ${config.publicKeyFile}` : '', config.jwksFile ? `JWKS ${config.jwksFile}` : '']
        .filter(Boolean)
        .join(', ');
    }
  } catch (error) {
    if (error instanceof HostTokenConfigError) throw new OptionsError(`media-lab serve: host tokens (${HOST_TOKEN_ENV.secret} etc.): ${error.message}`);
    throw error;
  }
  if (!adminToken && !hostTokens) {
    throw new OptionsError(
      `media-lab serve: set MEDIA_LAB_ADMIN_TOKEN or pass --token-file <path> (the admin token), and/or ${HOST_TOKEN_ENV.secret}, ${HOST_TOKEN_ENV.publicKeyFile} or ${HOST_TOKEN_ENV.jwksFile} (tokens your host mints for its users)`,
    );
  }
  const authenticators = [adminToken ? tokenAuthenticate(adminToken) : null, hostTokens].filter((a): a is Authenticate => a !== null);
  const summary = [adminToken ? 'admin token' : '', hostTokens ? `host tokens (${keys})` : ''].filter(Boolean).join(' + ');
  return { authenticate: firstAuthenticated(...authenticators), summary };
}
