/**
 * A session source of echo PTYs for testing a Connection on its own: every OPEN makes a
 * TerminalSession over an EchoPty (which prints what it is given, and what it is sent).
 */
import { TerminalSession, type FlowLimits } from '../core/session';
import { EchoPty } from '../runtimes/echo/echo-runtime';

export function echoSessions(limits: FlowLimits & { ringBytes: number }) {
  const ptys: EchoPty[] = [];
  const source = {
    async create(_user: unknown, req: { cols: number; rows: number }) {
      const pty = new EchoPty({ cols: req.cols, rows: req.rows });
      ptys.push(pty);
      return new TerminalSession({ id: `s${ptys.length}`, userId: 'u', workspaceId: 'w', command: 'echo', createdAt: 0 }, pty, { ...limits, cols: req.cols, rows: req.rows });
    },
    find: () => null,
    forget() {},
  };
  return { source, ptys };
}
