// The keys that verify host tokens, each pinned to the algorithms its type allows: the shared
// secret to HS256 only, a public key to the one algorithm of its type (so a token can never
// pass an HS256 signature made with a public key as its secret), a JWKS to asymmetric
// algorithms only. `none` is accepted by none of them.
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { HostTokenConfig } from './config.js';
import { HostTokenConfigError } from './errors.js';

export interface VerificationKey {
  /** What it is, for messages. */
  label: string;
  algorithms: string[];
  key: Uint8Array | KeyObject | JWTVerifyGetKey;
}

/** Asymmetric JWS algorithms a JWKS may verify (never HS*, never none). */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const EC_ALGORITHM: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
/** RFC 7518 3.2: an HS256 key at least as long as the hash (PyJWT warns below it too). */
const MIN_SECRET_BYTES = 32;

export function secretKey(secret: string): VerificationKey {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new HostTokenConfigError(`the HS256 secret is ${bytes.length} bytes; use at least ${MIN_SECRET_BYTES} (e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")`);
  }
  return { label: 'the HS256 secret', algorithms: ['HS256'], key: bytes };
}

export function publicKeyFromPem(pem: string, label: string): VerificationKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new HostTokenConfigError(`${label} holds a private key: give Media Lab only the public key (openssl pkey -in private.pem -pubout)`);
  }
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch (error) {
    throw new HostTokenConfigError(`${label} is not a PEM public key or certificate: ${(error as Error).message}`);
  }
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { label, algorithms: ['RS256'], key };
  if (type === 'ed25519') return { label, algorithms: ['EdDSA', 'Ed25519'], key };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec' && curve && EC_ALGORITHM[curve]) return { label, algorithms: [EC_ALGORITHM[curve]], key };
  throw new HostTokenConfigError(`${label} is a ${type}${curve ? ` (${curve})` : ''} key; use an RSA (RS256), Ed25519 (EdDSA) or P-256/384/521 (ES256/384/512) key`);
}

export function jwksKey(json: string, label: string): VerificationKey {
  let set: unknown;
  try {
    set = JSON.parse(json);
  } catch (error) {
    throw new HostTokenConfigError(`${label} is not JSON: ${(error as Error).message}`);
  }
  const keys = (set as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new HostTokenConfigError(`${label} has no "keys" list`);
  if (keys.some((k) => (k as { d?: unknown; k?: unknown })?.d !== undefined || (k as { kty?: unknown })?.kty === 'oct')) {
    throw new HostTokenConfigError(`${label} holds a private or symmetric key: a JWKS for Media Lab lists public keys only`);
  }
  try {
    return { label, algorithms: JWKS_ALGORITHMS, key: createLocalJWKSet(set as JSONWebKeySet) };
  } catch (error) {
    throw new HostTokenConfigError(`${label} is not a valid JWKS: ${(error as Error).message}`);
  }
}

/** Every key the settings name, read now (a missing or wrong file fails at start-up). */
export function loadVerificationKeys(config: HostTokenConfig, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): VerificationKey[] {
  const read = (path: string, what: string): string => {
    try {
      return readFile(path);
    } catch (error) {
      throw new HostTokenConfigError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const keys: VerificationKey[] = [];
  if (config.secret !== undefined) keys.push(secretKey(config.secret));
  if (config.publicKeyFile) keys.push(publicKeyFromPem(read(config.publicKeyFile, 'public key file'), `the public key ${config.publicKeyFile}`));
  if (config.jwksFile) keys.push(jwksKey(read(config.jwksFile, 'JWKS file'), `the JWKS ${config.jwksFile}`));
  if (keys.length === 0) throw new HostTokenConfigError('host tokens need a key: secret (HS256), publicKeyFile (PEM) or jwksFile (JWKS JSON)');
  return keys;
}
