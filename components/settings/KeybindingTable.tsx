'use client';
/**
 * The keyboard shortcuts, from the same table the commands register with
 * (lib/client/command-keys.ts), each changeable: "Change" listens for the next key press (Escape
 * gives up) and stores it as the user's own key for that command, used on every platform instead
 * of the defaults; "Reset" brings the defaults back. A key another command already uses in an
 * overlapping place is refused, naming that command. Find in a terminal keeps its key: the
 * terminal itself handles it.
 */
import { useEffect, useState, type KeyboardEvent } from 'react';
import { COMMAND_KEY_TABLE, keyTakenBy, type CommandKeys } from '@/lib/client/command-keys';
import { keysOf, ownKey, type CommandScope } from '@/lib/client/commands';
import { bindingText, browserIsMac, chordFor, formatChord, parseChord } from '@/lib/client/keybindings';
import { useSettings } from './SettingsProvider';

const WHERE: Record<CommandScope, string> = {
  global: 'Everywhere, a terminal included',
  outsideTerminal: 'Outside a terminal',
  terminal: 'In a terminal',
  fileTree: 'In the file tree',
};

export function KeybindingTable() {
  const [mac, setMac] = useState(false);
  useEffect(() => setMac(browserIsMac()), []);
  const { settings, update, loaded } = useSettings();
  const overrides = settings.keybindings;
  /** The command whose new key is being listened for. */
  const [recording, setRecording] = useState<string | null>(null);
  const [message, setMessage] = useState('');

  function save(next: Record<string, string>, said: string) {
    update({ keybindings: next }).then(
      () => setMessage(said),
      (err: unknown) => setMessage(`Not saved: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  function onRecordKey(c: CommandKeys, e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) return; // the focus may leave
    e.preventDefault();
    e.stopPropagation();
    if (e.key === 'Escape' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey) {
      setRecording(null);
      setMessage(`${c.title}: unchanged.`);
      return;
    }
    const key = bindingText(e);
    if (key === null) return; // a modifier on its own: wait for the key
    if (!e.ctrlKey && !e.altKey && !e.metaKey && !/^f\d+$/.test(key.split('+').pop()!)) {
      setMessage('Use Ctrl, Alt or Cmd with the key, or a function key: plain and shifted keys are for typing.');
      return;
    }
    const taken = keyTakenBy(c.id, key, overrides, mac);
    if (taken) {
      setMessage(`${formatChord(parseChord(key), mac)} already runs ${taken.title}.`);
      return;
    }
    setRecording(null);
    save({ ...overrides, [c.id]: key }, `${c.title}: ${formatChord(parseChord(key), mac)}.`);
  }

  return (
    <div className="table-scroll">
      <p className="muted settings-status" role="status" data-testid="keybinding-status">
        {message}
      </p>
      <table className="keybindings" data-testid="keybinding-table">
        <caption className="muted">Your own keys work on every device you sign in from.</caption>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Keys</th>
            <th scope="col">Works</th>
            <th scope="col">
              <span className="visually-hidden">Change</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {COMMAND_KEY_TABLE.map((c) => {
            const own = ownKey(c, overrides);
            return (
              <tr key={c.id} data-command={c.id} data-custom={own !== undefined}>
                <td>{c.title}</td>
                <td data-testid="keybinding-keys">
                  {keysOf(c, overrides).map((kb, i) => (
                    <span key={i}>
                      {i > 0 && ' or '}
                      <kbd>{formatChord(chordFor(kb, mac), mac)}</kbd>
                    </span>
                  ))}
                </td>
                <td className="muted">{WHERE[c.scope ?? 'outsideTerminal']}</td>
                <td className="keybinding-actions">
                  {c.scope === 'terminal' ? (
                    <span className="muted">Fixed</span>
                  ) : (
                    <>
                      <button
                        className="btn"
                        data-testid="keybinding-change"
                        disabled={!loaded}
                        aria-pressed={recording === c.id}
                        aria-label={recording === c.id ? `Press keys… for ${c.title} (Escape cancels)` : `Change keys for ${c.title}`}
                        onClick={() => {
                          setRecording(recording === c.id ? null : c.id);
                          setMessage(recording === c.id ? '' : `Press the new keys for ${c.title} (Escape cancels).`);
                        }}
                        onKeyDown={recording === c.id ? (e) => onRecordKey(c, e) : undefined}
                        onBlur={() => recording === c.id && setRecording(null)}
                      >
                        {recording === c.id ? 'Press keys…' : 'Change'}
                      </button>
                      {own !== undefined && (
                        <button
                          className="btn"
                          data-testid="keybinding-reset"
                          aria-label={`Reset keys for ${c.title}`}
                          onClick={() => {
                            const next = { ...overrides };
                            delete next[c.id];
                            save(next, `${c.title}: back to its default keys.`);
                          }}
                        >
                          Reset
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
