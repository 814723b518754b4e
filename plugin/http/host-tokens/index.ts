// Identities minted by the host: a JWT signed with a shared secret (HS256) or a private key
// whose public half (PEM or JWKS file) Media Lab holds. `sub` is the user id, a roles claim the
// roles. Used by `media-lab serve`, and by Node hosts that mint tokens for another service.
import type { IncomingMessage } from 'node:http';
import type { User } from '../../core/types.js';
import type { Authenticate } from '../../options.js';
import { DEFAULT_CLOCK_TOLERANCE_S, DEFAULT_ROLES_CLAIM, DEFAULT_TOKEN_COOKIE, type HostTokenConfig } from './config.js';
import { loadVerificationKeys } from './keys.js';
import { tokenFromRequest } from './request-token.js';
import { verifyHostToken } from './verify.js';

export { HostTokenError, HostTokenConfigError, type HostTokenReason } from './errors.js';
export { hostTokenConfigFromEnv, HOST_TOKEN_ENV, type HostTokenConfig } from './config.js';
export { tokenFromRequest } from './request-token.js';

/**
 * An `authenticate` for host tokens: null when the request carries no token, the user when it
 * verifies, and a thrown HostTokenError (a 401 with its reason) when it does not. Keys are read
 * when this is called, so a missing or wrong key file fails at start-up.
 */
export function hostTokenAuthenticate(config: HostTokenConfig): Authenticate {
  const keys = loadVerificationKeys(config);
  const cookie = config.cookie ?? DEFAULT_TOKEN_COOKIE;
  const rules = {
    issuer: config.issuer,
    audience: config.audience,
    rolesClaim: config.rolesClaim ?? DEFAULT_ROLES_CLAIM,
    clockTolerance: config.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE_S,
    requireExp: config.requireExp ?? true,
  };
  return async (req: IncomingMessage): Promise<User | null> => {
    const token = tokenFromRequest(req, cookie);
    return token ? verifyHostToken(token, keys, rules) : null;
  };
}

/** The first of these that recognises the request (e.g. the admin token, then host tokens). */
export function firstAuthenticated(...authenticators: Authenticate[]): Authenticate {
  return async (req: IncomingMessage): Promise<User | null> => {
    for (const authenticate of authenticators) {
      const user = await authenticate(req);
      if (user) return user;
    }
    return null;
  };
}
