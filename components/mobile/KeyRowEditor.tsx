'use client';
/**
 * Choosing the key bar's keys and their order, for this device (lib/client/keybar-row.ts):
 * a checkbox shows or hides each key, Up / Down move a shown one, and "Reset to defaults" puts the
 * default row back. Changes apply (and are stored) at once; Done closes.
 */
import { KEY_DEFS, type KeyId } from '@/lib/client/keybar';
import { DEFAULT_KEY_ROW, editorList, moveKey, setShown } from '@/lib/client/keybar-row';
import { ModalDialog } from '@/components/workspace/ModalDialog';
import styles from './TerminalKeys.module.css';

export function KeyRowEditor({ row, onChange, onClose }: { row: KeyId[]; onChange(row: KeyId[]): void; onClose(): void }) {
  const list = editorList(row);
  return (
    <ModalDialog className={styles.editor ?? ''} title="Keys on the key bar" onClose={onClose} data-testid="keybar-editor">
      <p className={styles.editorHint}>Kept on this device only: each phone can have its own row.</p>
      <ul className={styles.editorList}>
        {list.map(({ key, shown }, i) => {
          const def = KEY_DEFS[key];
          return (
            <li key={key} className={styles.editorRow} data-testid="keybar-editor-row" data-key={key} data-shown={shown}>
              <label className={styles.editorLabel}>
                <input type="checkbox" checked={shown} data-testid="keybar-editor-show" onChange={(e) => onChange(setShown(row, key, e.currentTarget.checked))} />
                <span>{def.name}</span>
              </label>
              {shown && (
                <>
                  <button type="button" className="btn" data-testid="keybar-editor-up" aria-label={`Move ${def.text} up`} disabled={i === 0} onClick={() => onChange(moveKey(row, key, -1))}>
                    Up
                  </button>
                  <button
                    type="button"
                    className="btn"
                    data-testid="keybar-editor-down"
                    aria-label={`Move ${def.text} down`}
                    disabled={i === row.length - 1}
                    onClick={() => onChange(moveKey(row, key, 1))}
                  >
                    Down
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
      <div className="modal-actions">
        <button type="button" className="btn" data-testid="keybar-editor-reset" onClick={() => onChange([...DEFAULT_KEY_ROW])}>
          Reset to defaults
        </button>
        <button type="button" className="btn btn-primary" data-testid="keybar-editor-done" onClick={onClose}>
          Done
        </button>
      </div>
    </ModalDialog>
  );
}
