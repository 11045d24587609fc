/** node-pty's loader for its native addon (the runner bundle replaces this module with one that
 * loads the embedded addon: runner-artifact.ts). */
declare module 'node-pty/lib/utils.js' {
  export function loadNativeModule(name: 'pty'): {
    dir: string;
    module: {
      /** openpty(3): both ends, non-blocking, no process started. */
      open(cols: number, rows: number): { master: number; slave: number; pty: string };
      resize(fd: number, cols: number, rows: number): void;
    };
  };
}
