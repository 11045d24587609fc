/**
 * What a terminal tab is called. A program's title (OSC 0/2) is shown only while that program
 * can be assumed to run: a title set by a full-screen program (one on the alternate screen, like
 * vim or htop) is dropped when it leaves that screen — vim's last act is often "Thanks for flying
 * Vim" — and no program title is shown once the terminal's process has exited. Then the tab falls
 * back to the name the user gave it, the name it was started with, or "Terminal N".
 *
 * Without shell integration a program that sets a title on the normal screen and exits cannot be
 * told apart from one still running; its title stays until the next one.
 */

/** Follows the program title through the terminal's output, in parse order. */
export class TitleTracker {
  private current = '';
  /** The title when the alternate screen was entered; null while on the normal screen. */
  private beforeAlt: string | null = null;

  get title(): string {
    return this.current;
  }

  /** The screen was reset to a known title (an attach that does not replay from the start). */
  seed(title: string, alternate: boolean): void {
    this.current = title;
    this.beforeAlt = alternate ? '' : null;
  }

  /** The program set the title. */
  set(title: string): void {
    this.current = title;
  }

  /** The terminal switched screens; whether it is now on the alternate one. */
  screen(alternate: boolean): void {
    if (alternate) {
      if (this.beforeAlt === null) this.beforeAlt = this.current;
    } else if (this.beforeAlt !== null) {
      this.current = this.beforeAlt;
      this.beforeAlt = null;
    }
  }
}

export interface TabNaming {
  /** The user's name for the tab ("Rename Terminal"). */
  rename: string | null;
  /** The program's title (TitleTracker's). */
  title: string;
  /** The name the session was started with (SessionInfo.name), '' when none. */
  name: string;
  /** The terminal's process has ended (or the session is gone). */
  ended: boolean;
  /** The tab's ordinal, for "Terminal N". */
  n: number;
}

export function tabLabel({ rename, title, name, ended, n }: TabNaming): string {
  return rename || (ended ? '' : title) || name || `Terminal ${n}`;
}
