/**
 * The editor's base extensions: the equivalent of CodeMirror 6's `basicSetup`, assembled from the
 * @codemirror/* packages (the `codemirror` meta-package on this registry is the old 5.x line),
 * including find/replace in the file (Ctrl/Cmd-F), auto-closing brackets and quotes, and word
 * completion from the words already in the file (Enter or a click accepts, Esc closes,
 * Ctrl-Space asks) — no language server, so it is every word, in any language.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completeAnyWord } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, toggleTabFocusMode } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { EditorState, type Extension } from '@codemirror/state';
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';

export const basicSetup: Extension = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  foldGutter(),
  drawSelection(),
  dropCursor(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  closeBrackets(),
  // Its keys (Enter, arrows, Esc, Ctrl-Space) come with it, ahead of the others while a list is open.
  autocompletion({ override: [completeAnyWord] }),
  rectangularSelection(),
  crosshairCursor(),
  highlightActiveLine(),
  highlightSelectionMatches(),
  search({ top: true }),
  // Without CodeMirror's own Ctrl-M: "Tab moves focus" is the page's command, and applies to it.
  // closeBrackets' Backspace (deleting an empty pair) comes before the default Backspace.
  keymap.of([
    ...closeBracketsKeymap,
    ...defaultKeymap.filter((b) => b.run !== toggleTabFocusMode),
    ...historyKeymap,
    ...foldKeymap,
    ...searchKeymap,
  ]),
];
