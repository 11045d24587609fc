/**
 * One open file's CodeMirror state: the user's theme and font size (a compartment the view
 * reconfigures live, see use-editor-view.ts), language by file name (loaded lazily), the
 * file's own line separator (so saves are byte-exact), Mod-S to save, and a change listener.
 */
import { indentWithTab } from '@codemirror/commands';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView, keymap, type ViewUpdate } from '@codemirror/view';
import { basicSetup } from './basic-setup';
import { languageFor } from '@/lib/client/editor-language';
import { detectLineSeparator } from '@/lib/client/text-lines';
import type { ResolvedTheme } from '@/lib/shared/settings';

export interface FileStateHooks {
  save(): void;
  changed(update: ViewUpdate): void;
  /** The editable text's accessible name (the file's name; read on every update, so a rename shows). */
  label(): string;
}

export const languageSlot = new Compartment();
/** The theme and font size; filled by the view (use-editor-view.ts) with editorAppearance(). */
export const appearanceSlot = new Compartment();

const baseTheme = EditorView.theme({
  '&': { height: '100%' },
  '.cm-scroller': { fontFamily: 'var(--font-mono)' },
});

/** CodeMirror's own theme is light; this only matches it to the page's light colours. */
const lightTheme = EditorView.theme(
  {
    '&': { backgroundColor: '#ffffff', color: '#1f2328' },
    '.cm-gutters': { backgroundColor: '#f6f8fa', color: '#59636e', borderRight: '1px solid #d0d7de' },
    '.cm-activeLineGutter': { backgroundColor: '#eaeef2', color: '#1f2328' },
  },
  { dark: false },
);

/** One Dark's line numbers (#7d8799 on #282c34) are 3.86:1; this grey is 5.2:1 (4.8:1 on the active line). Before oneDark: earlier themes win. */
const darkContrastTheme = EditorView.theme({ '.cm-gutters': { color: '#959eae' } }, { dark: true });

const appearances = new Map<string, Extension>();
/** One extension per (theme, size), kept: the same look is the same object, so a state that has it needs no reconfigure. */
export function editorAppearance(theme: ResolvedTheme, fontSize: number): Extension {
  const key = `${theme}:${fontSize}`;
  let ext = appearances.get(key);
  if (!ext) {
    ext = [theme === 'light' ? lightTheme : [darkContrastTheme, oneDark], EditorView.theme({ '&': { fontSize: `${fontSize}px` } })];
    appearances.set(key, ext);
  }
  return ext;
}

export function fileExtensions(hooks: FileStateHooks, text: string, readOnly = false): Extension {
  return [
    basicSetup,
    appearanceSlot.of([]),
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
