/**
 * Finds what a terminal's output says about itself, across chunk boundaries, with bounded state:
 * window titles (OSC 0 and OSC 2: `ESC ] 0 ; title BEL|ST`), the bell (a BEL outside any escape
 * string) and desktop notifications (OSC 9 `ESC ] 9 ; body`, OSC 777 `ESC ] 777 ; notify ; title
 * ; body`). The gateway uses it to name tabs and to tell when a program wants attention; the bytes
 * themselves pass through untouched.
 */
const ESC = 0x1b;
const OSC_START = 0x5d; // ']'
const BEL = 0x07;
const MAX_OSC_BYTES = 2048;
const MAX_TITLE_CHARS = 256;
const MAX_NOTIFY_TITLE_CHARS = 256;
const MAX_NOTIFY_BODY_CHARS = 1024;

const decoder = new TextDecoder();

export interface ScanResult {
  /** The last title completed in the chunk, if any. */
  title: string | null;
  /** A bell rang (outside escape strings). */
  bell: boolean;
  /** The last notification completed in the chunk, if any. */
  notify: { title?: string; body: string } | null;
}

export class TitleScanner {
  private osc: number[] | null = null;
  private escAtEnd = false;

  /** Scan one chunk; returns the last title it completed, or null. */
  scan(data: Uint8Array): string | null {
    return this.scanAll(data).title;
  }

  /** Scan one chunk for titles, bells and notifications. */
  scanAll(data: Uint8Array): ScanResult {
    const result: ScanResult = { title: null, bell: false, notify: null };
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
            this.osc = null; // absurdly long: not one we keep
            break;
          }
          this.osc.push(b);
        }
        if (this.osc && i < data.length) {
          parseOsc(this.osc, result);
          this.osc = null;
          i++; // the terminator (ESC of ST: its '\' is a harmless trailing byte)
        }
        continue;
      }
      const esc = data.indexOf(ESC, i);
      // A BEL before the next escape (or with none left) is the bell itself.
      if (!result.bell) {
        const bel = data.indexOf(BEL, i);
        if (bel >= 0 && (esc < 0 || bel < esc)) result.bell = true;
      }
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
    return result;
  }
}

/** Control characters (incl. bidi overrides) never reach the UI. */
function clean(text: string, max: number): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, max);
}

function parseOsc(bytes: number[], into: ScanResult): void {
  const text = decoder.decode(Uint8Array.from(bytes));
  const semi = text.indexOf(';');
  if (semi < 0) return;
  const code = text.slice(0, semi);
  const rest = text.slice(semi + 1);
  // OSC 1 is the icon name; other codes are not titles.
  if (code === '0' || code === '2') into.title = clean(rest, MAX_TITLE_CHARS);
  // OSC 9 is iTerm2's notification; "9;<digit>;…" is ConEmu/Windows Terminal (progress etc.), not one.
  else if (code === '9' && !/^\d+(;|$)/.test(rest)) into.notify = { body: clean(rest, MAX_NOTIFY_BODY_CHARS) };
  else if (code === '777' && rest.startsWith('notify;')) {
    const [title = '', ...body] = rest.slice('notify;'.length).split(';');
    into.notify = { title: clean(title, MAX_NOTIFY_TITLE_CHARS), body: clean(body.join(';'), MAX_NOTIFY_BODY_CHARS) };
  }
}
