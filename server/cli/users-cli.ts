/**
 * `npm run tether -- user …`: the server operator's account commands. They open the database in
 * DATA_DIR directly, so they work with the gateway stopped (the way back in after losing the only
 * admin password). With the gateway running, a change applies to the next sign-in or request; to
 * close a signed-in user's sockets at once, disable them from the Admin page instead.
 *
 * Every change goes into the audit trail with no actor (no account did it) and `via: cli` with the
 * operating-system user who ran the command.
 *
 * Passwords never go on the command line (other users can read it in `ps`): a new one is read
 * from standard input when it is not a terminal, and generated and printed once otherwise.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditAction, AuditDetail } from '../../lib/shared/audit';
import { AuditLog } from '../audit/audit-log';
import { databaseTarget, openDatabase } from '../db/database';
import { createLogger } from '../log';
import { isTetherError } from '../errors';
import { UserService, type Role, type UserInfo } from '../auth/users';

export const USAGE = `Usage: npm run tether -- user <command>

  user list                                  every account, its role and state
  user add <name> [--admin] [--email E] [--display-name D]
                                             create an account (password: stdin, or generated)
  user disable <name>                        refuse its sign-ins, tokens and share links
  user enable <name>                         let it back in
  user reset-password <name>                 set a new password (stdin, or generated)
  user set-role <name> admin|member          change its role

DATA_DIR (default ./data) says which installation. Run it as the user that runs the gateway.`;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Standard input's text when it is not a terminal; null when it is one. */
  readStdin(): Promise<string | null>;
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command; returns the exit status. */
export async function runUsersCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== 'user' || !command || command === 'help' || command === '--help') {
    (group === 'user' || group === undefined || group === '--help' ? io.out : io.err)(USAGE);
    return group === 'user' || group === '--help' ? 0 : 2;
  }
  const dataDir = path.resolve(io.env.DATA_DIR ?? './data');
  const dbh = await openDatabase(databaseTarget(io.env.DATABASE_URL, dataDir));
  const audit = new AuditLog(dbh, createLogger({ level: 'error', write: (line) => io.err(line) }));
  try {
    const users = new UserService(dbh);
    const operator = operatorName(io.env);
    const record = (action: AuditAction, name: string, detail: AuditDetail = {}) =>
      audit.record({ action, actor: null, target: `user:${name}`, detail: { via: 'cli', operator, ...detail } });
    const { values, positionals } = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: { admin: { type: 'boolean' }, email: { type: 'string' }, 'display-name': { type: 'string' } },
    });
    const byName = async (name: string | undefined): Promise<UserInfo> => {
      const u = name ? (await users.list()).find((x) => x.name === name) : undefined;
      if (!u) throw new CliError(name ? `no user named ${name}` : 'which user? give a name');
      return u;
    };
    const newPassword = async (): Promise<{ password: string; generated: boolean }> => {
      const piped = await io.readStdin();
      const line = piped?.split('\n')[0]?.replace(/\r$/, '');
      if (line) return { password: line, generated: false };
      return { password: randomBytes(15).toString('base64url'), generated: true };
    };
    switch (command) {
      case 'list': {
        for (const u of await users.list()) {
          const state = u.disabledAt === null ? 'active' : `disabled ${new Date(u.disabledAt).toISOString()}`;
          io.out([u.name, u.role === 'admin' ? 'admin' : 'member', state, u.email ?? '', u.displayName ?? ''].join('\t'));
        }
        return 0;
      }
      case 'add': {
        const name = positionals[0];
        if (!name) throw new CliError('give the new user a name');
        const { password, generated } = await newPassword();
        const role: Role = values.admin ? 'admin' : 'user';
        await users.create(name, password, role, { email: values.email ?? null, displayName: values['display-name'] ?? null });
        record('user.created', name, { role: role === 'admin' ? 'admin' : 'member' });
        io.out(`Created ${role === 'admin' ? 'admin' : 'member'} "${name}".`);
        if (generated) io.out(`Password (shown once): ${password}`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const u = await byName(positionals[0]);
        const changed = await users.setDisabled(u.id, command === 'disable');
        if (changed) record(command === 'disable' ? 'user.disabled' : 'user.enabled', u.name);
        io.out(changed ? `${u.name} is now ${command}d.` : `${u.name} was already ${command}d.`);
        return 0;
      }
      case 'reset-password': {
        const u = await byName(positionals[0]);
        const { password, generated } = await newPassword();
        await users.resetPassword(u.id, password);
        record('user.password-reset', u.name);
        io.out(`New password set for ${u.name}.`);
        if (generated) io.out(`Password (shown once): ${password}`);
        return 0;
      }
      case 'set-role': {
        const u = await byName(positionals[0]);
        const given = positionals[1];
        if (given !== 'admin' && given !== 'member') throw new CliError('the role is admin or member');
        await users.setRole(u.id, given === 'admin' ? 'admin' : 'user');
        if ((u.role === 'admin') !== (given === 'admin')) record('user.role-changed', u.name, { from: u.role === 'admin' ? 'admin' : 'member', to: given });
        io.out(`${u.name} is now ${given === 'admin' ? 'an admin' : 'a member'}.`);
        return 0;
      }
      default:
        throw new CliError(`unknown command "user ${command}"\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof CliError || isTetherError(err)) {
      io.err(`tether: ${err.message}`);
      return 1;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`tether: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    await audit.flush();
    await dbh.close();
  }
}

class CliError extends Error {}

/** The operating-system account running the command (for the audit trail). */
function operatorName(env: CliIo['env']): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.LOGNAME ?? 'unknown';
  }
}
