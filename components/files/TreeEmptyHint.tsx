'use client';
/** What an empty workspace shows under the tree: how to put the first file in. */
export function TreeEmptyHint({ canChange, canDrop, onNew }: { canChange: boolean; canDrop: boolean; onNew(kind: 'file' | 'folder'): void }) {
  return (
    <div className="tree-empty-hint" data-testid="tree-empty-hint">
      <p>This workspace is empty.</p>
      {canChange && (
        <p className="tree-empty-actions">
          <button className="btn" data-testid="empty-new-file" onClick={() => onNew('file')}>
            New file
          </button>
          <button className="btn" data-testid="empty-new-folder" onClick={() => onNew('folder')}>
            New folder
          </button>
        </p>
      )}
      {canDrop && <p className="muted">or drop files here to upload them.</p>}
    </div>
  );
}
