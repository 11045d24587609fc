import type { Terminal } from '@xterm/xterm';
import { hardwareWebglAvailable } from '@/lib/client/webgl-support';

/** WebGL is much faster on a GPU, but headless or GPU-less browsers may lack it (or only emulate
 * it, slower than the DOM renderer): fall back quietly to xterm's default renderer. The addon is
 * fetched only where it will be used, after the terminal already draws with the DOM renderer, so
 * it is not part of a workspace's first load. */
export function loadWebgl(term: Terminal, disposed: () => boolean): void {
  if (!hardwareWebglAvailable()) return;
  import('@xterm/addon-webgl').then(
    ({ WebglAddon }) => {
      if (disposed()) return;
      try {
        const webgl = new WebglAddon();
        // A lost context (GPU reset, too many contexts) would leave a blank terminal; the default
        // DOM renderer takes over once the addon is disposed.
        webgl.onContextLoss(() => webgl.dispose());
        term.loadAddon(webgl);
      } catch (err) {
        console.info('tether: WebGL renderer unavailable, using the DOM renderer', err);
      }
    },
    (err: unknown) => console.info('tether: WebGL renderer could not be loaded, using the DOM renderer', err),
  );
}
