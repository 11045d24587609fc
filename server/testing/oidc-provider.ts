/**
 * A real OpenID Connect provider on loopback for the single sign-on tests: `oidc-provider` (a
 * certified implementation) with its development login form, on 127.0.0.1 port 0. Used by the
 * integration test (driven over HTTP) and the e2e spec (driven by Chromium).
 *
 * Its accounts exist for any login name, and what a login name starts with decides the claims:
 * - `unverified…`  → `email_verified: false`;
 * - `expired…`     → its authorization codes expire as they are issued (an expired code);
 * - anything else  → a verified email: the login itself when it is an address, else `<login>@example.test`.
 * `preferred_username` is the email's local part; `name` is "Test <local part>".
 *
 * The gateway's redirect URI is known only once it listens, after the provider (whose issuer URL
 * it needs) has started, so the one client is served by the adapter: `allowRedirect` adds one.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ProviderContext } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Register a redirect URI of the client (the gateway's `/api/auth/callback/oidc`). */
  allowRedirect(uri: string): void;
  close(): Promise<void>;
}

/** The claims of a login name (see the module comment). */
export function testClaims(login: string) {
  const email = login.includes('@') ? login.toLowerCase() : `${login.toLowerCase()}@example.test`;
  const local = email.slice(0, email.indexOf('@'));
  return {
    sub: login,
    email,
    email_verified: !login.startsWith('unverified'),
    preferred_username: local,
    name: `Test ${local}`,
  };
}

export async function startTestIdp(): Promise<TestIdp> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'tether-test';
  const clientSecret = randomBytes(24).toString('base64url');
  const redirectUris = new Set<string>();

  class Adapter extends MemoryAdapter {
    override async find(id: string) {
      if (this.model !== 'Client') return super.find(id);
      if (id !== clientId) return undefined;
      return {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      };
    }
  }

  const provider = new Provider(issuer, {
    adapter: Adapter,
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', kid: 'test' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: (_ctx: unknown, code: { accountId?: string }) => (code.accountId?.startsWith('expired') ? 0 : 60),
      AccessToken: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => testClaims(sub) }),
    // A first-party client: no consent screen, the requested scopes are granted.
    async loadExistingGrant(ctx: ProviderContext) {
      const { client, session, result, provider: p } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return p.Grant.find(grantId);
      const grant = new p.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    allowRedirect: (uri) => void redirectUris.add(uri),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
