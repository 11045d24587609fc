/**
 * What happens around an account change, beyond its row (auth/users.ts):
 * - **Disable**: the account can no longer sign in or use its API tokens; its open sockets close
 *   at once (4401), its share links end for good (guests get 4403) and its workspaces' members
 *   are closed out (4403) until it is enabled again. Its terminals keep running
 *   — nothing a person or an agent was doing is lost — and are there again if it is re-enabled.
 * - **Delete**: disabled first (so nothing new starts), then each workspace is removed as its owner
 *   would remove it (terminals end, cloud workers are released; local files stay on disk), then
 *   the row goes and the database cascades to tokens, hosts, keys and share records.
 */
import type { Logger } from '../log';
import type { RemovalDeps } from '../operations/remove-workspace';
import { removeWorkspace } from '../operations/remove-workspace';
import type { UserService } from './users';

export interface AccountDeps extends RemovalDeps {
  users: UserService;
  /** Close every socket the account has open; returns how many. */
  closeUserSockets(userId: string, reason: string): number;
  log: Logger;
}

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  async disable(userId: string): Promise<void> {
    const changed = await this.deps.users.setDisabled(userId, true);
    await this.cutOff(userId, 'account disabled');
    if (changed) this.deps.log.info('account disabled', { userId });
  }

  async enable(userId: string): Promise<void> {
    if (await this.deps.users.setDisabled(userId, false)) this.deps.log.info('account enabled', { userId });
  }

  async remove(userId: string): Promise<{ workspaces: number; terminalsEnded: number }> {
    const { users, workspaces, sessions } = this.deps;
    // Refuses the last admin before anything is touched.
    await users.setDisabled(userId, true);
    await this.cutOff(userId, 'account deleted');
    let terminalsEnded = 0;
    const owned = await workspaces.list(userId);
    for (const ws of owned) terminalsEnded += (await removeWorkspace(this.deps, userId, ws)).terminalsEnded;
    // Terminals whose workspace is already gone (none expected, but none may outlive the account).
    terminalsEnded += await sessions.forgetUser(userId);
    await users.remove(userId);
    this.deps.log.info('account deleted', { userId, workspaces: owned.length, terminalsEnded });
    return { workspaces: owned.length, terminalsEnded };
  }

  private async cutOff(userId: string, reason: string): Promise<void> {
    const sockets = this.deps.closeUserSockets(userId, reason);
    const links = await this.deps.shares.revokeAllOf(userId);
    // Its workspaces close to their members too (memberships stay, and count again if re-enabled).
    await this.deps.members.ownerCutOff(userId);
    if (sockets || links) this.deps.log.info('account cut off', { userId, sockets, links });
  }
}
