/**
 * One open file's CodeMirror state: dark theme, language by file name (loaded lazily), the
 * file's own line separator (so saves are byte-exact), Mod-S to save, and a change listener.
 */
import { indentWithTab } from '@codemirror/commands';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView, keymap, type ViewUpdate } from '@codemirror/view';
import { basicSetup } from './basic-setup';
import { languageFor } from '@/lib/client/editor-language';
import { detectLineSeparator } from '@/lib/client/text-lines';

export interface FileStateHooks {
  save(): void;
  changed(update: ViewUpdate): void;
  /** The editable text's accessible name (the file's name; read on every update, so a rename shows). */
  label(): string;
}

export const languageSlot = new Compartment();

const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)' },
});

/** One Dark's line numbers (#7d8799 on #282c34) are 3.86:1; this grey is 5.2:1 (4.8:1 on the active line). Before oneDark: earlier themes win. */
const contrastTheme = EditorView.theme({ '.cm-gutters': { color: '#959eae' } }, { dark: true });

export function fileExtensions(hooks: FileStateHooks, text: string, readOnly = false): Extension {
  return [
    basicSetup,
    contrastTheme,
    oneDark,
    baseTheme,
    keymap.of([
      {
        key: 'Mod-s',
        preventDefault: true,
        run: () => {
          hooks.save();
          return true;
        },
      },
      indentWithTab,
    ]),
    EditorView.contentAttributes.of(() => ({ 'aria-label': hooks.label() })),
    EditorState.lineSeparator.of(detectLineSeparator(text)),
    EditorState.readOnly.of(readOnly),
    // Read-only views are not even focusable for typing (no caret, no phone keyboard).
    ...(readOnly ? [EditorView.editable.of(false)] : []),
    languageSlot.of([]),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) hooks.changed(u);
    }),
  ];
}

export function createFileState(text: string, hooks: FileStateHooks, readOnly = false): EditorState {
  return EditorState.create({ doc: text, extensions: fileExtensions(hooks, text, readOnly) });
}

/** Load the file's language; calls `apply` with the effect to dispatch once it is there. */
export function loadLanguage(path: string, apply: (effect: ReturnType<typeof languageSlot.reconfigure>) => void): void {
  const desc = languageFor(path);
  if (!desc) return;
  desc.load().then(
    (support) => apply(languageSlot.reconfigure(support)),
    () => {
      /* Highlighting is a nicety: a language that fails to load leaves plain text. */
    },
  );
}
