import type { IncomingMessage } from 'node:http';
import { userFromSessionCookie } from './next-auth';
import type { SignInSessions } from './sign-in-sessions';
import type { TokenService } from './tokens';
import type { AuthUser, UserService } from './users';

export interface Authenticator {
  /** The user behind a request: `Authorization: Bearer <api token>` or the session cookie (then
   * with `session`, the sign-in session's id, so its sockets can be closed when it signs out). */
  authenticate(req: IncomingMessage): Promise<(AuthUser & { session?: string }) | null>;
}

export function createAuthenticator(deps: {
  users: UserService;
  tokens: TokenService;
  secret: string;
  secure: boolean;
  signedOut?: { has(jti: string): Promise<boolean> };
  signIns?: Pick<SignInSessions, 'use'>;
}): Authenticator {
  return {
    async authenticate(req) {
      const auth = req.headers.authorization;
      if (auth !== undefined) {
        const m = /^Bearer\s+(\S+)$/i.exec(auth);
        // A present but invalid Authorization header is a failure, not a fallback to cookies.
        return m ? deps.tokens.verify(m[1]!) : null;
      }
      return userFromSessionCookie(req, deps.secret, deps.secure, deps.users, deps.signedOut, deps.signIns);
    },
  };
}
