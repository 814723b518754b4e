// The settings of host-minted tokens: which keys verify them, which claims they must carry,
// and where a request carries them. `hostTokenConfigFromEnv` reads them for `media-lab serve`.
import { HostTokenConfigError } from './errors.js';

export interface HostTokenConfig {
  /** HS256 shared secret (at least 32 bytes, as PyJWT and RFC 7518 ask). */
  secret?: string;
  /** A PEM public key (SPKI or X.509 certificate): RSA -> RS256, Ed25519 -> EdDSA, EC -> ES256/384/512. */
  publicKeyFile?: string;
  /** A local JWKS JSON file ({ "keys": [...] }) of public keys; the token's kid and alg pick one. */
  jwksFile?: string;
  /** When set, the token's `iss` must equal it. */
  issuer?: string;
  /** When set, the token's `aud` must contain it. */
  audience?: string;
  /** The claim holding the user's roles: a list of strings or one space-separated string. Default 'roles'. */
  rolesClaim?: string;
  /** The cookie that may carry the token. Default 'media_lab_token'. */
  cookie?: string;
  /** Seconds of clock skew allowed on exp / nbf / iat. Default 30. */
  clockTolerance?: number;
  /** Refuse tokens without an `exp`. Default true: a token with no expiry works forever. */
  requireExp?: boolean;
}

export const DEFAULT_ROLES_CLAIM = 'roles';
export const DEFAULT_TOKEN_COOKIE = 'media_lab_token';
export const DEFAULT_CLOCK_TOLERANCE_S = 30;

/** The environment variables `media-lab serve` reads (each optional). */
export const HOST_TOKEN_ENV = {
  secret: 'MEDIA_LAB_JWT_SECRET',
  secretFile: 'MEDIA_LAB_JWT_SECRET_FILE',
  publicKeyFile: 'MEDIA_LAB_JWT_PUBLIC_KEY_FILE',
  jwksFile: 'MEDIA_LAB_JWT_JWKS_FILE',
  issuer: 'MEDIA_LAB_JWT_ISSUER',
  audience: 'MEDIA_LAB_JWT_AUDIENCE',
  rolesClaim: 'MEDIA_LAB_JWT_ROLES_CLAIM',
  cookie: 'MEDIA_LAB_JWT_COOKIE',
  clockTolerance: 'MEDIA_LAB_JWT_CLOCK_TOLERANCE',
} as const;

/**
 * The host-token settings from the environment, or null when none of the key settings
 * (secret, secret file, public key file, JWKS file) is set.
 */
export function hostTokenConfigFromEnv(env: NodeJS.ProcessEnv, readFile: (path: string) => string): HostTokenConfig | null {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const secretFile = value(HOST_TOKEN_ENV.secretFile);
  if (secretFile && value(HOST_TOKEN_ENV.secret)) throw new HostTokenConfigError(`set ${HOST_TOKEN_ENV.secret} or ${HOST_TOKEN_ENV.secretFile}, not both`);
  const secret = secretFile ? readFile(secretFile).trim() : env[HOST_TOKEN_ENV.secret];
  const publicKeyFile = value(HOST_TOKEN_ENV.publicKeyFile);
  const jwksFile = value(HOST_TOKEN_ENV.jwksFile);
  if (!secret && !publicKeyFile && !jwksFile) return null;
  const tolerance = value(HOST_TOKEN_ENV.clockTolerance);
  const clockTolerance = tolerance === undefined ? undefined : Number(tolerance);
  if (clockTolerance !== undefined && !(Number.isFinite(clockTolerance) && clockTolerance >= 0)) {
    throw new HostTokenConfigError(`${HOST_TOKEN_ENV.clockTolerance} must be a number of seconds (>= 0), not "${tolerance}"`);
  }
  return {
    secret: secret || undefined,
    publicKeyFile,
    jwksFile,
    issuer: value(HOST_TOKEN_ENV.issuer),
    audience: value(HOST_TOKEN_ENV.audience),
    rolesClaim: value(HOST_TOKEN_ENV.rolesClaim),
    cookie: value(HOST_TOKEN_ENV.cookie),
    clockTolerance,
  };
}
