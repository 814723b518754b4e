// Verifying one host token: the header's alg picks the keys pinned to it, jose checks the
// signature and the time and issuer/audience claims, and the payload becomes a User
// (`sub` = id, the roles claim = roles). Every refusal is a HostTokenError with a reason.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { User } from '../../core/types.js';
import { HostTokenError } from './errors.js';
import type { VerificationKey } from './keys.js';

export interface ClaimRules {
  issuer?: string;
  audience?: string;
  rolesClaim: string;
  clockTolerance: number;
  requireExp: boolean;
}

function headerAlg(token: string): string {
  if (token.split('.').length !== 3) throw new HostTokenError('token is not a JWT', 'expected three dot-separated parts');
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch (error) {
    throw new HostTokenError('token is not a JWT', (error as Error).message);
  }
  if (typeof alg !== 'string' || !alg) throw new HostTokenError('token is not a JWT', 'its header has no alg');
  if (alg.toLowerCase() === 'none') throw new HostTokenError('alg none is not accepted');
  return alg;
}

/** jose's verdict, with a JWKS that has several keys for the token tried key by key. */
async function verifyWith(token: string, key: VerificationKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, key.key as Parameters<typeof jwtVerify>[1], options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const each of error) {
      try {
        return (await jwtVerify(token, each, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function iso(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** A jose error after the key was found, as the reason a client reads. */
function refusal(error: unknown, rules: ClaimRules): HostTokenError | null {
  if (error instanceof errors.JWTExpired) return new HostTokenError('token expired', `${error.claim} ${iso(error.payload[error.claim])}`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp' && error.reason === 'missing') return new HostTokenError('token has no exp');
    if (error.claim === 'nbf' && error.reason === 'check_failed') return new HostTokenError('token is not valid yet', `nbf ${iso(error.payload.nbf)}`);
    if (error.claim === 'iss') return new HostTokenError('token issuer is not accepted', `expected "${rules.issuer}"`);
    if (error.claim === 'aud') return new HostTokenError('token audience is not accepted', `expected "${rules.audience}"`);
    return new HostTokenError('token claims are invalid', error.message);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new HostTokenError('token is not a JWT', error.message);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return new HostTokenError('alg is not accepted', error.message);
  return null;
}

function rolesOf(payload: JWTPayload, claim: string): string[] {
  // An exact claim name first (namespaced claims contain dots), then a dotted path (realm_access.roles).
  let value: unknown = payload[claim];
  if (value === undefined && claim.includes('.')) {
    value = claim.split('.').reduce<unknown>((at, part) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined), payload);
  }
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((r) => typeof r === 'string')) return value;
  throw new HostTokenError('token roles are invalid', `the "${claim}" claim must be a list of strings or a space-separated string`);
}

export async function verifyHostToken(token: string, keys: VerificationKey[], rules: ClaimRules): Promise<User> {
  const alg = headerAlg(token);
  const candidates = keys.filter((k) => k.algorithms.includes(alg));
  if (candidates.length === 0) {
    const accepted = [...new Set(keys.flatMap((k) => k.algorithms))];
    throw new HostTokenError('alg is not accepted', `${alg}; this server accepts ${accepted.join(', ')}`);
  }
  let payload: JWTPayload | null = null;
  let noMatchingKey = true;
  for (const key of candidates) {
    try {
      payload = await verifyWith(token, key, {
        algorithms: key.algorithms,
        issuer: rules.issuer,
        audience: rules.audience,
        clockTolerance: rules.clockTolerance,
        requiredClaims: rules.requireExp ? ['exp'] : [],
      });
      break;
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) continue;
      if (error instanceof errors.JWSSignatureVerificationFailed) {
        noMatchingKey = false;
        continue;
      }
      // The signature verified (jose checks it before the claims) or the token is malformed.
      throw refusal(error, rules) ?? error;
    }
  }
  if (!payload) {
    if (noMatchingKey) throw new HostTokenError('no key matches the token', `kid ${JSON.stringify(decodeProtectedHeader(token).kid ?? null)}, alg ${alg}`);
    throw new HostTokenError('signature does not verify', `alg ${alg}, tried ${candidates.map((k) => k.label).join(' and ')}`);
  }
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw new HostTokenError('token has no sub');
  return { id: payload.sub, roles: rolesOf(payload, rules.rolesClaim) };
}
