// Host users of a non-Node host (issue 14): `media-lab serve` accepts JWTs the host mints for
// its own users (HS256 secret, an RS256 public key file, an EdDSA key in a JWKS file). A user
// sees their own prompts' media and nobody else's, never the admin routes; bad tokens are 401
// with a reason a client can read.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { SignJWT, base64url } from 'jose';
import { startStandaloneServer } from '../../plugin/cli/serve.js';
import { serveAuthenticate } from '../../plugin/cli/serve-auth.js';
import { parseArgs } from '../../plugin/cli/args.js';
import { promptQueueForServe } from '../../plugin/cli/commands/prompt-queue.js';
import { hostTokenAuthenticate, HostTokenConfigError, HostTokenError, OptionsError, type HostTokenConfig } from '../../plugin/index.js';
import { startFakeComfy, type FakeComfy } from '../fake-comfy/index.js';
import type { PromptArtifactJson } from '../../plugin/prompt-queue/index.js';
import { captureLog } from '../support/lab.js';
import { createHostTables, insertPrompts } from '../support/prompt-queue-host.js';
import { waitFor } from '../support/wait.js';
import { standInMediaKinds } from '../support/kinds.js';
import { runCli, startCli } from './cli-run.js';

const SECRET = 'a-host-secret-that-is-long-enough-for-hs256-0123456789';
const ADMIN_TOKEN = 'serve-admin-token';
const ISSUER = 'musings';

interface Keys {
  dir: string;
  rsa: { privateKey: KeyObject; publicKey: KeyObject };
  ed: { privateKey: KeyObject; publicKey: KeyObject };
  publicKeyFile: string;
  jwksFile: string;
}

function makeKeys(): Keys {
  const dir = mkdtempSync(join(tmpdir(), 'media-lab-jwt-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const publicKeyFile = join(dir, 'host-rsa.pub.pem');
  writeFileSync(publicKeyFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed-1', alg: 'EdDSA', use: 'sig' }] }));
  return { dir, rsa, ed, publicKeyFile, jwksFile };
}

type Claims = { sub?: string; roles?: unknown; iss?: string; exp?: number; [claim: string]: unknown };
const now = () => Math.floor(Date.now() / 1000);

async function hs256(claims: Claims, secret = SECRET): Promise<string> {
  return new SignJWT({ iss: ISSUER, exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}
async function rs256(keys: Keys, claims: Claims, privateKey = keys.rsa.privateKey): Promise<string> {
  return new SignJWT({ iss: ISSUER, exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
}
async function eddsa(keys: Keys, claims: Claims): Promise<string> {
  return new SignJWT({ iss: ISSUER, exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'EdDSA', kid: 'ed-1' }).sign(keys.ed.privateKey);
}
/** An unsecured token, built by hand as an attacker would. */
function algNone(claims: Claims): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: ISSUER, exp: now() + 300, ...claims })}.`;
}

function request(headers: Record<string, string>, url = '/'): IncomingMessage {
  return { headers, url } as unknown as IncomingMessage;
}

async function refusal(promise: Promise<unknown>): Promise<HostTokenError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HostTokenError, `expected a HostTokenError, got ${String(error)}`);
    return error;
  }
  assert.fail('the token was accepted');
}

describe('host tokens (hostTokenAuthenticate)', function () {
  const keys = makeKeys();
  const config: HostTokenConfig = { secret: SECRET, publicKeyFile: keys.publicKeyFile, jwksFile: keys.jwksFile, issuer: ISSUER };
  const authenticate = hostTokenAuthenticate(config);
  const bearer = (token: string) => authenticate(request({ authorization: `Bearer ${token}` })) as Promise<unknown>;

  it('accepts HS256, RS256 (PEM) and EdDSA (JWKS) tokens: sub is the id, the roles claim the roles', async () => {
    assert.deepEqual(await bearer(await hs256({ sub: 'alice', roles: ['user'] })), { id: 'alice', roles: ['user'] });
    assert.deepEqual(await bearer(await rs256(keys, { sub: 'root', roles: ['admin'] })), { id: 'root', roles: ['admin'] });
    assert.deepEqual(await bearer(await eddsa(keys, { sub: 'bob', roles: 'user editor' })), { id: 'bob', roles: ['user', 'editor'] });
    assert.deepEqual(await bearer(await hs256({ sub: 'nobody-special' })), { id: 'nobody-special', roles: [] });
  });

  it('reads the token from the header, then ?token=, then the cookie; no token is no user', async () => {
    const token = await hs256({ sub: 'alice' });
    assert.equal(((await authenticate(request({}, `/x/file?token=${token}`))) as { id: string }).id, 'alice');
    assert.equal(((await authenticate(request({ cookie: `theme=dark; media_lab_token=${token}` }))) as { id: string }).id, 'alice');
    const named = hostTokenAuthenticate({ ...config, cookie: 'musings_media' });
    assert.equal(((await named(request({ cookie: `musings_media=${token}` }))) as { id: string }).id, 'alice');
    assert.equal(await named(request({ cookie: `media_lab_token=${token}` })), null, 'only the configured cookie');
    assert.equal(await authenticate(request({})), null);
    assert.equal(await authenticate(request({ authorization: 'Basic dXNlcjpwYXNz' })), null);
  });

  it('refuses expired, badly signed, alg none, sub-less and exp-less tokens with a reason', async () => {
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice', exp: now() - 3600 })))).reason, 'token expired');
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice' }, `${SECRET}-not`)))).reason, 'signature does not verify');
    const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal((await refusal(bearer(await rs256(keys, { sub: 'alice' }, otherRsa.privateKey)))).reason, 'signature does not verify');
    assert.equal((await refusal(bearer(algNone({ sub: 'alice', roles: ['admin'] })))).reason, 'alg none is not accepted');
    assert.equal((await refusal(bearer(await hs256({ roles: ['admin'] })))).reason, 'token has no sub');
    assert.equal((await refusal(bearer(await hs256({ sub: '' })))).reason, 'token has no sub');
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice', exp: undefined })))).reason, 'token has no exp');
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice', iss: 'someone-else' })))).reason, 'token issuer is not accepted');
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice', nbf: now() + 3600 })))).reason, 'token is not valid yet');
    assert.equal((await refusal(bearer(await hs256({ sub: 'alice', roles: [1, 2] })))).reason, 'token roles are invalid');
    assert.equal((await refusal(bearer('not-a-jwt'))).reason, 'token is not a JWT');
    const expired = await refusal(bearer(await hs256({ sub: 'alice', exp: now() - 3600 })));
    assert.match(expired.message, /^token expired \(exp \d{4}-\d\d-\d\dT/);
  });

  it('allows a little clock skew on exp (clockTolerance)', async () => {
    const token = await hs256({ sub: 'alice', exp: now() - 10 });
    assert.equal(((await bearer(token)) as { id: string }).id, 'alice', 'within the default 30 s');
    const strict = hostTokenAuthenticate({ secret: SECRET, clockTolerance: 0 });
    assert.equal((await refusal(Promise.resolve(strict(request({ authorization: `Bearer ${token}` }))))).reason, 'token expired');
  });

  it('pins algorithms per key: an HS256 token signed with the public key as its secret is refused', async () => {
    const pem = keys.rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const confused = await new SignJWT({ sub: 'mallory', roles: ['admin'], exp: now() + 300 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(pem));
    const publicOnly = hostTokenAuthenticate({ publicKeyFile: keys.publicKeyFile });
    const error = await refusal(Promise.resolve(publicOnly(request({ authorization: `Bearer ${confused}` }))));
    assert.equal(error.reason, 'alg is not accepted');
    assert.match(error.message, /HS256; this server accepts RS256/);
    const jwksOnly = hostTokenAuthenticate({ jwksFile: keys.jwksFile });
    const viaJwks = async (token: string) => refusal(Promise.resolve(jwksOnly(request({ authorization: `Bearer ${token}` }))));
    assert.equal((await viaJwks(await hs256({ sub: 'alice' }))).reason, 'alg is not accepted');
    assert.equal((await viaJwks(await rs256(keys, { sub: 'alice' }))).reason, 'no key matches the token');
  });

  it('fails at start-up on settings that cannot work', () => {
    assert.throws(() => hostTokenAuthenticate({}), HostTokenConfigError);
    assert.throws(() => hostTokenAuthenticate({ secret: 'short' }), /at least 32/);
    const privateFile = join(keys.dir, 'private.pem');
    writeFileSync(privateFile, keys.rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    assert.throws(() => hostTokenAuthenticate({ publicKeyFile: privateFile }), /holds a private key/);
    assert.throws(() => hostTokenAuthenticate({ publicKeyFile: join(keys.dir, 'missing.pem') }), /cannot read the public key file/);
    const privateJwks = join(keys.dir, 'private-jwks.json');
    writeFileSync(privateJwks, JSON.stringify({ keys: [keys.ed.privateKey.export({ format: 'jwk' })] }));
    assert.throws(() => hostTokenAuthenticate({ jwksFile: privateJwks }), /public keys only/);
  });
});

interface ArtifactsAnswer {
  artifacts: PromptArtifactJson[];
}

describe('media-lab serve with host users (JWT)', function () {
  const keys = makeKeys();
  let comfy: FakeComfy;
  let server: Awaited<ReturnType<typeof startStandaloneServer>>;
  let promptQueue: ReturnType<typeof promptQueueForServe>;
  let alicePrompt: number;
  let bobPrompt: number;
  let aliceFile: string;
  let bobFile: string;
  let alice: string;

  const get = (path: string, init: { token?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${server.url}${path}`, { headers: { ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...init.headers } });

  before(async () => {
    comfy = await startFakeComfy();
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-serve-jwt-'));
    const hostDb = join(dir, 'host.db');
    const host = knexFactory({ client: 'better-sqlite3', connection: { filename: hostDb }, useNullAsDefault: true });
    await createHostTables(host);
    [alicePrompt, bobPrompt] = await insertPrompts(host, [
      { prompt_type: 'image', prompt_text: 'alice castle', user_id: 'alice' },
      { prompt_type: 'image', prompt_text: 'bob forest', user_id: 'bob' },
    ]);
    await host.destroy();

    const auth = serveAuthenticate(ADMIN_TOKEN, {
      MEDIA_LAB_JWT_SECRET: SECRET,
      MEDIA_LAB_JWT_PUBLIC_KEY_FILE: keys.publicKeyFile,
      MEDIA_LAB_JWT_JWKS_FILE: keys.jwksFile,
      MEDIA_LAB_JWT_ISSUER: ISSUER,
    });
    assert.match(auth.summary, /^admin token \+ host tokens \(HS256 secret, public key .*, JWKS .*\)$/);
    promptQueue = promptQueueForServe(parseArgs(['serve', '--db', hostDb, '--media-root', join(dir, 'media')]), captureLog().logger, { pollIntervalMs: 50, healthIntervalMs: 500 });
    server = await startStandaloneServer({
      port: 0,
      dataDir: join(dir, 'data'),
      database: hostDb,
      comfy: [comfy.url],
      authenticate: auth.authenticate,
      worker: true,
      extraRoutes: async (lab) => {
        for (const kind of standInMediaKinds()) lab.kinds.register(kind);
        return promptQueue.extraRoutes(lab);
      },
    });
    const fileOf = async (id: number) =>
      waitFor(
        async () => {
          const res = await get(`/api/prompts/${id}/artifacts`, { token: ADMIN_TOKEN });
          return res.status === 200 ? ((await res.json()) as ArtifactsAnswer).artifacts[0]?.file_url : null;
        },
        `prompt ${id}'s media`,
        30_000,
      );
    aliceFile = await fileOf(alicePrompt);
    bobFile = await fileOf(bobPrompt);
    alice = await hs256({ sub: 'alice', roles: ['user'] });
  });
  after(async () => {
    await promptQueue?.stop();
    await server?.close();
    await comfy?.close();
  });

  it("a user reads their own prompt's media: Bearer, ?token= and the cookie", async () => {
    const listing = await get(`/api/prompts/${alicePrompt}/artifacts`, { token: alice });
    assert.equal(listing.status, 200);
    assert.equal(((await listing.json()) as ArtifactsAnswer).artifacts[0].file_url, aliceFile);
    const byHeader = await get(aliceFile, { token: alice });
    assert.equal(byHeader.status, 200);
    assert.equal(byHeader.headers.get('content-type'), 'image/png');
    assert.equal((await get(`${aliceFile}?token=${encodeURIComponent(alice)}`)).status, 200, '?token= for <img src>');
    assert.equal((await get(aliceFile, { headers: { Cookie: `media_lab_token=${alice}` } })).status, 200, 'the cookie');
    const list = (await (await get('/api/prompts', { token: alice })).json()) as { items: Array<{ id: number }> };
    assert.deepEqual(list.items.map((p) => p.id), [alicePrompt], 'the listing holds only her prompts');
  });

  it("a user reading another user's prompt media gets 403", async () => {
    for (const path of [`/api/prompts/${bobPrompt}`, `/api/prompts/${bobPrompt}/artifacts`, bobFile, `${bobFile.replace(/file$/, 'preview')}`]) {
      const res = await get(path, { token: alice });
      assert.equal(res.status, 403, path);
      assert.equal(((await res.json()) as { code: string }).code, 'FORBIDDEN');
    }
    assert.equal((await get(`${bobFile}?token=${encodeURIComponent(alice)}`)).status, 403);
    const bob = await eddsa(keys, { sub: 'bob', roles: ['user'] });
    assert.equal((await get(bobFile, { token: bob })).status, 200, 'bob (EdDSA, JWKS) reads his own');
    assert.equal((await get(aliceFile, { token: bob })).status, 403);
  });

  it('a user gets 403 on every Media Lab admin route; an admin-role JWT and the admin token get 200', async () => {
    for (const path of ['/api/media-lab/jobs', '/api/media-lab/artifacts', '/api/media-lab/health', '/api/media-lab/kinds']) {
      const res = await get(path, { token: alice });
      assert.equal(res.status, 403, path);
      const body = (await res.json()) as { code: string; detail: string };
      assert.equal(body.code, 'FORBIDDEN');
      assert.match(body.detail, /user "alice" lacks the "admin" role/);
    }
    assert.equal((await get(`/api/media-lab/jobs?token=${encodeURIComponent(alice)}`)).status, 403);
    const root = await rs256(keys, { sub: 'root', roles: ['admin'] });
    assert.equal((await get('/api/media-lab/jobs', { token: root })).status, 200, 'admin-role JWT (RS256)');
    assert.equal((await get(bobFile, { token: root })).status, 200, 'admins see every prompt');
    assert.equal((await get('/api/media-lab/jobs', { token: await hs256({ sub: 'ops', roles: ['admin'] }) })).status, 200, 'admin-role JWT (HS256)');
    assert.equal((await get('/api/media-lab/jobs', { token: ADMIN_TOKEN })).status, 200, 'the admin token still works');
  });

  it('refuses bad tokens with 401, code UNAUTHENTICATED and the reason, on prompt media and admin routes', async () => {
    const cases: Array<[string, string]> = [
      [await hs256({ sub: 'alice', exp: now() - 3600 }), 'token expired'],
      [await hs256({ sub: 'alice' }, `${SECRET}-wrong`), 'signature does not verify'],
      [algNone({ sub: 'alice', roles: ['admin'] }), 'alg none is not accepted'],
      [await hs256({ roles: ['user'] }), 'token has no sub'],
    ];
    for (const [token, reason] of cases) {
      for (const [path, how] of [
        [aliceFile, { token }],
        [`${aliceFile}?token=${encodeURIComponent(token)}`, {}],
        [aliceFile, { headers: { Cookie: `media_lab_token=${token}` } }],
        ['/api/media-lab/jobs', { token }],
      ] as const) {
        const res = await get(path, how);
        assert.equal(res.status, 401, `${reason} on ${path}`);
        assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        const body = (await res.json()) as { code: string; reason: string; detail: string };
        assert.equal(body.code, 'UNAUTHENTICATED');
        assert.equal(body.reason, reason);
        assert.ok(body.detail.includes(reason), body.detail);
      }
    }
    const none = await get(aliceFile);
    assert.equal(none.status, 401, 'no token at all');
    assert.equal(((await none.json()) as { code: string }).code, 'UNAUTHENTICATED');
  });
});

describe('media-lab serve (CLI) with MEDIA_LAB_JWT_* only', function () {
  let comfy: FakeComfy;
  before(async () => {
    comfy = await startFakeComfy();
  });
  after(async () => comfy.close());

  it('starts without an admin token, and host users see their own prompts only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-lab-cli-jwt-'));
    const hostDb = join(dir, 'host.db');
    const host = knexFactory({ client: 'better-sqlite3', connection: { filename: hostDb }, useNullAsDefault: true });
    await createHostTables(host);
    const [mine, theirs] = await insertPrompts(host, [
      { prompt_type: 'text', prompt_text: 'mine', user_id: 'alice' },
      { prompt_type: 'text', prompt_text: 'theirs', user_id: 'bob' },
    ]);
    await host.destroy();
    const serve = startCli(['serve', '--db', hostDb, '--port', '0', '--data-dir', join(dir, 'data'), '--comfy', comfy.url], { MEDIA_LAB_ADMIN_TOKEN: '', MEDIA_LAB_JWT_SECRET: SECRET });
    try {
      const base = await waitFor(async () => /media-lab serve: (http:\/\/\S+)\/api\/media-lab/.exec(serve.output())?.[1], 'serve to print its URL');
      assert.match(serve.output(), /accepts host tokens \(HS256 secret\)/);
      const alice = { Authorization: `Bearer ${await hs256({ sub: 'alice' })}` };
      assert.equal((await fetch(`${base}/api/prompts/${mine}`, { headers: alice })).status, 200);
      assert.equal((await fetch(`${base}/api/prompts/${theirs}`, { headers: alice })).status, 403);
      assert.equal((await fetch(`${base}/api/media-lab/jobs`, { headers: alice })).status, 403);
    } finally {
      const ended = await serve.stop();
      assert.equal(ended.status, 0, ended.stderr);
    }
  });

  it('refuses to start (exit 2, with what to set) without an admin token or a host key, or with a weak secret', async () => {
    assert.throws(() => serveAuthenticate(undefined, {}), (e: Error) => e instanceof OptionsError && /MEDIA_LAB_ADMIN_TOKEN.*MEDIA_LAB_JWT_SECRET/.test(e.message));
    assert.throws(() => serveAuthenticate('x', { MEDIA_LAB_JWT_SECRET: SECRET, MEDIA_LAB_JWT_SECRET_FILE: '/etc/secret' }), /not both/);
    assert.throws(() => serveAuthenticate('x', { MEDIA_LAB_JWT_SECRET: SECRET, MEDIA_LAB_JWT_CLOCK_TOLERANCE: 'soon' }), /seconds/);
    assert.equal(serveAuthenticate('x', {}).summary, 'admin token');
    const short = await runCli(['serve', '--port', '0'], { MEDIA_LAB_ADMIN_TOKEN: 'x', MEDIA_LAB_JWT_SECRET: 'short' });
    assert.equal(short.status, 2);
    assert.match(short.stderr, /host tokens .*at least 32/);
  });
});
