/** What the editor shows with no file open: the real pane and the stand-in that loads it (LazyEditorPane). */
export function NoFileOpen() {
  return <div className="editor-empty">Open a file from the tree{'\u00a0'}— or press Ctrl-P.</div>;
}
