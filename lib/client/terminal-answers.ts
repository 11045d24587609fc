/**
 * Tells a terminal emulator's own answers from what the user types.
 *
 * xterm.js answers the program's queries — device attributes (`ESC[c`), cursor position
 * (`ESC[6n`), colour queries (OSC 10/11), mode reports (DECRQM), focus reports once mode 1004 is
 * on — through the same onData event as keystrokes. Two rules keep those answers from turning
 * into junk input:
 *
 * - Output parsed from history (a replay on page load, a snapshot, a catch-up) is not live: its
 *   queries were asked of someone else, long ago. Anything the emulator generates while history
 *   is queued in its parser is dropped (also focus reports, whose mode may be stale mid-replay).
 * - Live answers go out as ANSWER frames, not INPUT: the gateway delivers them only from the
 *   viewer that drives the session, so two tabs do not both answer and a guest never does.
 *
 * What is typed, pasted or clicked is known from xterm's core, which flags user input
 * (`coreService.onUserInput` fires synchronously right before the matching onData).
 */

export type DataKind = 'input' | 'answer' | 'drop';

/** The part of xterm's Terminal this needs: its private core's user-input signal. */
interface CoreWithUserInput {
  _core?: { coreService?: { onUserInput?: (listener: () => void) => { dispose(): void } } };
}

export class AnswerFilter {
  private userInput = false;
  private historyPending = 0;
  /** False when the emulator cannot tell user input apart: then everything live is input. */
  private knowsUserInput = false;

  /**
   * Follow `term`'s user-input signal. Returns the subscription, or null when this xterm.js has
   * no such signal (then live data is treated as typed input, as before this filter existed).
   */
  watch(term: unknown): { dispose(): void } | null {
    const onUserInput = (term as CoreWithUserInput)._core?.coreService?.onUserInput;
    if (typeof onUserInput !== 'function') return null;
    this.knowsUserInput = true;
    return onUserInput.call((term as Required<CoreWithUserInput>)._core!.coreService, () => {
      this.userInput = true;
    });
  }

  /** The user typed, pasted or clicked: the next data event is theirs. */
  userInputFollows(): void {
    this.userInput = true;
  }

  /** A chunk of history goes into the parser; call the result from its write callback. */
  historyQueued(): () => void {
    this.historyPending++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.historyPending--;
    };
  }

  /** Whether history is still waiting to be parsed (or being parsed). */
  get inHistory(): boolean {
    return this.historyPending > 0;
  }

  /** Classify one onData event. */
  classify(): DataKind {
    const user = this.userInput;
    this.userInput = false;
    if (user) return 'input';
    if (this.historyPending > 0) return 'drop';
    return this.knowsUserInput ? 'answer' : 'input';
  }
}
