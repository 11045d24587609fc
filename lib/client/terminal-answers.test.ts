import { describe, expect, it } from 'vitest';
import { AnswerFilter } from './terminal-answers';

/** A stand-in for xterm's Terminal: only the core's user-input signal. */
function fakeTerm() {
  const listeners = new Set<() => void>();
  return {
    term: { _core: { coreService: { onUserInput: (fn: () => void) => (listeners.add(fn), { dispose: () => listeners.delete(fn) }) } } },
    userInput: () => listeners.forEach((fn) => fn()),
  };
}

describe('AnswerFilter', () => {
  it('passes typed input, sends live answers as answers and drops whatever history makes the emulator say', () => {
    const f = new AnswerFilter();
    const { term, userInput } = fakeTerm();
    const sub = f.watch(term);
    expect(sub).not.toBeNull();
    expect(f.classify()).toBe('answer'); // no user input flagged: the parser answered
    userInput();
    expect(f.classify()).toBe('input');
    const done = f.historyQueued();
    expect(f.inHistory).toBe(true);
    expect(f.classify()).toBe('drop'); // a query in the replay, or a focus report mid-replay
    userInput();
    expect(f.classify()).toBe('input'); // typing during a replay still counts
    done();
    done(); // idempotent
    expect(f.inHistory).toBe(false);
    expect(f.classify()).toBe('answer');
    sub!.dispose();
    userInput();
    expect(f.classify()).toBe('answer');
  });

  it('treats live data as input when the emulator cannot flag user input (and still drops history answers)', () => {
    const f = new AnswerFilter();
    expect(f.watch({})).toBeNull();
    expect(f.classify()).toBe('input');
    const done = f.historyQueued();
    expect(f.classify()).toBe('drop');
    done();
    expect(f.classify()).toBe('input');
  });
});
