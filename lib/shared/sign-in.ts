/**
 * Why a sign-in was refused, as the `error` parameter of `/login?error=…`: the gateway redirects
 * there (server/auth/sso.ts) and the login page turns the code into a sentence. next-auth's own
 * codes (OAuthCallback, OAuthSignin, CredentialsSignin…) arrive the same way.
 */

/** Refusals of a single sign-on decided by Tether (server/auth/identities.ts), by error code. */
export const SSO_REFUSAL_CODES = {
  disabled: 'AccountDisabled',
  unverified: 'EmailUnverified',
  'no-account': 'NoAccount',
  'domain-not-allowed': 'DomainNotAllowed',
} as const;

export interface SignInErrorContext {
  /** The display name of the provider the refusal came from (`?provider=<id>` looked up). */
  providerName: string | null;
  /** The email the provider gave (`?email=…`). */
  email: string | null;
}

/** The sentence for an `error` code; null for none. */
export function signInErrorMessage(code: string | null, ctx: SignInErrorContext): string | null {
  if (!code) return null;
  const provider = ctx.providerName ?? 'your sign-in provider';
  const email = ctx.email ?? 'your email address';
  switch (code) {
    case 'CredentialsSignin':
      return 'Wrong username or password';
    case SSO_REFUSAL_CODES.disabled:
      return 'This account is disabled. Ask an admin to enable it.';
    case SSO_REFUSAL_CODES.unverified:
      return `Your email address is not verified with ${provider}. Verify it there, then sign in again.`;
    case SSO_REFUSAL_CODES['no-account']:
      return `No Tether account matches ${email}: ask an admin to add you.`;
    case SSO_REFUSAL_CODES['domain-not-allowed']:
      return `No Tether account matches ${email}, and accounts are not created for its domain: ask an admin to add you.`;
    case 'SignupFailed':
      return `Tether could not create an account from your ${provider} profile: ask an admin to add you.`;
    case 'OAuthCallback':
    case 'Callback':
      return `Sign-in with ${provider} did not complete (it expired or did not match this browser). Try again.`;
    case 'OAuthSignin':
      return `Could not start sign-in with ${provider}. Try again, or ask an admin to check its settings.`;
    case 'AccessDenied':
      return 'Sign-in was refused.';
    default:
      if (/too ?many|rate/i.test(code)) return 'Too many attempts, try again in a minute';
      return 'Sign-in failed. Try again.';
  }
}
