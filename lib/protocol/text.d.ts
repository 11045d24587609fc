// TextEncoder/TextDecoder exist in every runtime we target (browsers, Node ≥ 11) but are declared
// only by the DOM and Node type libraries, which this isomorphic package must not load.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
