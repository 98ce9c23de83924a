/**
 * Characters that would act on a terminal rather than show (control characters, escape
 * sequences, bidirectional overrides that reorder what follows) as visible `\u{..}` escapes:
 * file names, headers, values and messages come from uploads.
 */
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalText(text: string): string {
  return text.replace(ACTIVE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}
