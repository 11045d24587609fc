'use client';
/** The keyboard shortcuts, read-only: the same table the commands register with (lib/client/command-keys.ts). */
import { useEffect, useState } from 'react';
import { COMMAND_KEY_TABLE } from '@/lib/client/command-keys';
import type { CommandScope } from '@/lib/client/commands';
import { browserIsMac, chordFor, formatChord } from '@/lib/client/keybindings';

const WHERE: Record<CommandScope, string> = {
  global: 'Everywhere, a terminal included',
  outsideTerminal: 'Outside a terminal',
  terminal: 'In a terminal',
  fileTree: 'In the file tree',
};

export function KeybindingTable() {
  const [mac, setMac] = useState(false);
  useEffect(() => setMac(browserIsMac()), []);
  return (
    <div className="table-scroll">
      <table className="keybindings" data-testid="keybinding-table">
        <caption className="muted">Shortcuts cannot be changed yet.</caption>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Keys</th>
            <th scope="col">Works</th>
          </tr>
        </thead>
        <tbody>
          {COMMAND_KEY_TABLE.map((c) => (
            <tr key={c.id} data-command={c.id}>
              <td>{c.title}</td>
              <td>
                {c.keybindings.map((kb, i) => (
                  <span key={i}>
                    {i > 0 && ' or '}
                    <kbd>{formatChord(chordFor(kb, mac), mac)}</kbd>
                  </span>
                ))}
              </td>
              <td className="muted">{WHERE[c.scope ?? 'outsideTerminal']}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
