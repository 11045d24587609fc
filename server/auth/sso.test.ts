/** The pure parts of single sign-on: GitHub's email rule, usernames for new accounts, settings. */
import { describe, expect, it } from 'vitest';
import { signInErrorMessage } from '../../lib/shared/sign-in';
import { ConfigError, loadConfig } from '../config';
import { deriveUsername } from './identities';
import { callbackFailureReason, verifiedPrimaryEmail } from './sso';

describe('verifiedPrimaryEmail (GitHub /user/emails)', () => {
  it('takes the primary address only when GitHub verified it', () => {
    expect(
      verifiedPrimaryEmail([
        { email: 'old@example.org', primary: false, verified: true },
        { email: 'Me@Example.org', primary: true, verified: true },
      ]),
    ).toBe('me@example.org');
    expect(verifiedPrimaryEmail([{ email: 'me@example.org', primary: true, verified: false }])).toBeNull();
  });

  it('never falls back to another verified address, and ignores nonsense', () => {
    expect(verifiedPrimaryEmail([{ email: 'other@example.org', primary: false, verified: true }])).toBeNull();
    expect(verifiedPrimaryEmail({ message: 'Bad credentials' })).toBeNull();
    expect(verifiedPrimaryEmail(null)).toBeNull();
    expect(verifiedPrimaryEmail([null, { email: 42, primary: true, verified: true }])).toBeNull();
  });
});

describe('deriveUsername', () => {
  const none = () => false;
  it('cleans the first usable candidate into a valid username', () => {
    expect(deriveUsername(['Jane Doe', 'jane'], none)).toBe('Jane-Doe');
    expect(deriveUsername([null, 'jane.doe+work'], none)).toBe('jane.doe-work');
    expect(deriveUsername(['Zoë'], none)).toBe('Zoe');
    expect(deriveUsername(['!!!', ''], none)).toBe('user');
    expect(deriveUsername(['x'.repeat(200)], none)).toHaveLength(60);
  });

  it('adds -2, -3… while a name is taken', () => {
    const taken = new Set(['kim', 'kim-2']);
    expect(deriveUsername(['kim'], (n) => taken.has(n))).toBe('kim-3');
  });
});

describe('callbackFailureReason', () => {
  it('names the check without the values it compared', () => {
    expect(callbackFailureReason('state mismatch, expected abc, got: def')).toBe('state-mismatch');
    expect(callbackFailureReason('invalid_grant (grant request is invalid)')).toBe('invalid-code');
    expect(callbackFailureReason('nonce mismatch, expected x, got: y')).toBe('nonce-mismatch');
    expect(callbackFailureReason('something else')).toBe('provider-error');
  });
});

describe('single sign-on settings', () => {
  const load = (vars: Record<string, string>) => loadConfig(vars as NodeJS.ProcessEnv);
  const oidc = { TETHER_OIDC_ISSUER: 'https://id.example.org/', TETHER_OIDC_CLIENT_ID: 'tether', TETHER_OIDC_CLIENT_SECRET: 's3cret' };

  it('defaults to password login only, existing accounts only', () => {
    expect(load({}).sso).toEqual({ oidc: null, github: null, passwordLogin: true, signup: 'existing', domains: [] });
  });

  it('reads a provider and the rules', () => {
    const sso = load({ ...oidc, TETHER_OIDC_NAME: 'Example ID', TETHER_SSO_SIGNUP: 'domain', TETHER_SSO_DOMAINS: 'Example.org, @b.example.com', TETHER_PASSWORD_LOGIN: 'off' }).sso;
    expect(sso).toEqual({
      oidc: { issuer: 'https://id.example.org', clientId: 'tether', clientSecret: 's3cret', name: 'Example ID' },
      github: null,
      passwordLogin: false,
      signup: 'domain',
      domains: ['example.org', 'b.example.com'],
    });
  });

  it('refuses half a provider, a domain rule without domains, and no way to sign in at all', () => {
    expect(() => load({ TETHER_OIDC_ISSUER: 'https://id.example.org' })).toThrow(/go together/);
    expect(() => load({ TETHER_GITHUB_CLIENT_ID: 'x' })).toThrow(/TETHER_GITHUB_CLIENT_SECRET/);
    expect(() => load({ ...oidc, TETHER_SSO_SIGNUP: 'domain' })).toThrow(/needs TETHER_SSO_DOMAINS/);
    expect(() => load({ ...oidc, TETHER_SSO_SIGNUP: 'domain', TETHER_SSO_DOMAINS: 'not a domain' })).toThrow(/is not a domain name/);
    expect(() => load({ TETHER_PASSWORD_LOGIN: 'off' })).toThrow(ConfigError);
    expect(() => load({ TETHER_PASSWORD_LOGIN: 'off' })).toThrow(/nobody could sign in/);
  });

  it('never puts the client secret in a configuration error', () => {
    try {
      load({ TETHER_OIDC_CLIENT_SECRET: 'very-secret-value', TETHER_OIDC_ISSUER: 'not a url' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('very-secret-value');
    }
  });
});

describe('signInErrorMessage', () => {
  it('says what happened and what to do', () => {
    expect(signInErrorMessage('AccountDisabled', { providerName: 'Corp SSO', email: null })).toBe('This account is disabled. Ask an admin to enable it.');
    expect(signInErrorMessage('EmailUnverified', { providerName: 'GitHub', email: null })).toMatch(/^Your email address is not verified with GitHub\./);
    expect(signInErrorMessage('NoAccount', { providerName: null, email: 'a@b.test' })).toBe('No Tether account matches a@b.test: ask an admin to add you.');
    expect(signInErrorMessage(null, { providerName: null, email: null })).toBeNull();
  });
});
