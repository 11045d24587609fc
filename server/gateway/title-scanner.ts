/**
 * Finds window-title sequences (OSC 0 and OSC 2: `ESC ] 0 ; title BEL|ST`) in a terminal's
 * output stream, across chunk boundaries, with bounded state. The gateway uses it to name tabs and
 * session lists; the bytes themselves pass through untouched.
 */
const ESC = 0x1b;
const OSC_START = 0x5d; // ']'
const BEL = 0x07;
const MAX_OSC_BYTES = 2048;
const MAX_TITLE_CHARS = 256;

const decoder = new TextDecoder();

export class TitleScanner {
  private osc: number[] | null = null;
  private escAtEnd = false;

  /** Scan one chunk; returns the last title it completed, or null. */
  scan(data: Uint8Array): string | null {
    let title: string | null = null;
    let i = 0;
    if (this.escAtEnd) {
      this.escAtEnd = false;
      if (data[0] === OSC_START) {
        this.osc = [];
        i = 1;
      }
    }
    while (i < data.length) {
      if (this.osc) {
        for (; i < data.length; i++) {
          const b = data[i]!;
          if (b === BEL || b === ESC) break;
          if (this.osc.length >= MAX_OSC_BYTES) {
            this.osc = null; // absurdly long: not a title we keep
            break;
          }
          this.osc.push(b);
        }
        if (this.osc && i < data.length) {
          title = parseTitle(this.osc) ?? title;
          this.osc = null;
          i++; // the terminator (ESC of ST: its '\' is harmless printable-free trailing byte)
        }
        continue;
      }
      const esc = data.indexOf(ESC, i);
      if (esc < 0) break;
      if (esc === data.length - 1) {
        this.escAtEnd = true;
        break;
      }
      if (data[esc + 1] === OSC_START) {
        this.osc = [];
        i = esc + 2;
      } else i = esc + 1;
    }
    return title;
  }
}

function parseTitle(bytes: number[]): string | null {
  // "0;title" or "2;title" (OSC 1 is the icon name; others are not titles).
  if (bytes.length < 2 || (bytes[0] !== 0x30 && bytes[0] !== 0x32) || bytes[1] !== 0x3b) return null;
  const text = decoder.decode(Uint8Array.from(bytes.slice(2)));
  // Control characters (incl. bidi overrides) never reach the UI.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, MAX_TITLE_CHARS);
}
