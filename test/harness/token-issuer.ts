import { execFile } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

// A token service for docker-registry's `auth: token` mode (distribution's token spec): it signs
// RS256 JWTs with a throw-away RSA key whose self-signed certificate is in the `x5c` header and in
// the `rootCertBundle` file the registry trusts. Every requested action is granted.

export interface TokenIssuerOptions {
  /** When given, token requests must carry HTTP basic credentials of one of these users. */
  users?: Record<string, string>;
  /** The registry's service name: the tokens' audience. */
  service: string;
  /** The tokens' issuer (iss); the registry must be configured with the same. */
  issuer: string;
  /** Token lifetime, also sent as expires_in; 300 s unless told. */
  expiresInSeconds?: number;
}

export interface TokenRequest {
  /** The basic-auth user, or undefined for an anonymous request. */
  user: string | undefined;
  service: string | null;
  scopes: string[];
  status: number;
}

export interface TokenIssuer {
  /** The realm: http://127.0.0.1:PORT/token */
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  /** PEM file with the signing certificate, for the registry's rootcertbundle. */
  rootCertBundle: string;
  service: string;
  issuer: string;
  /** How many token requests were received (answered or refused). */
  requests(): number;
  /** Every token request so far. */
  log(): TokenRequest[];
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** Start the token service on a free loopback port; stop() it in afterAll. */
export async function startTokenIssuer(options: TokenIssuerOptions): Promise<TokenIssuer> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-token-issuer-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    // Node can sign but not make certificates; the openssl CLI makes the self-signed one.
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=berth-test-token-issuer']);
    const privateKey = await readFile(keyFile, 'utf8');
    const certDer = pemBody(await readFile(certFile, 'utf8'));
    const log: TokenRequest[] = [];
    const lifetime = options.expiresInSeconds ?? 300;

    const handle = (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://issuer');
      const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ')).filter((scope) => scope !== '');
      const user = basicUser(request.headers.authorization, options.users);
      const entry: TokenRequest = { user: user === false ? undefined : user, service: url.searchParams.get('service'), scopes, status: 200 };
      log.push(entry);
      const answer = (status: number, body: unknown) => {
        entry.status = status;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname !== '/token' || request.method !== 'GET') return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      if (options.users !== undefined && (user === false || user === undefined)) {
        return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'valid credentials required' }] });
      }
      const now = Math.floor(Date.now() / 1000);
      const token = signJwt(privateKey, certDer, {
        iss: options.issuer,
        sub: user ?? '',
        aud: options.service,
        exp: now + lifetime,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access: scopes.map(accessOf).filter((access) => access !== undefined),
      });
      answer(200, { token, access_token: token, expires_in: lifetime, issued_at: new Date(now * 1000).toISOString() });
    };

    const server = createServer(handle);
    const port = await freePort();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return {
      url: `http://127.0.0.1:${port}/token`,
      host: `127.0.0.1:${port}`,
      rootCertBundle: certFile,
      service: options.service,
      issuer: options.issuer,
      requests: () => log.length,
      log: () => [...log],
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The base64 DER inside a PEM certificate: what x5c carries. */
function pemBody(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (match === null) throw new Error('openssl wrote no certificate');
  return (match[1] ?? '').replace(/\s+/g, '');
}

/** The authenticated user; undefined without credentials; false for wrong ones. */
function basicUser(header: string | undefined, users: Record<string, string> | undefined): string | undefined | false {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString();
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  if (colon < 0 || users === undefined || users[user] !== decoded.slice(colon + 1)) return false;
  return user;
}

/** `repository:team/app:pull,push` → { type, name, actions }. */
function accessOf(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter((a) => a !== '') };
}

function signJwt(privateKey: string, certDer: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'RS256', x5c: [certDer] })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
