// Characters a value copied out of a GUI or a document brings along unseen (controls, zero-width
// and direction marks, no-break spaces): found, named by their Unicode names, and shown escaped,
// so a message about a value says exactly what is in it.

// Characters that are invisible or control text when copied out of a GUI, each with its Unicode
// name so the message says exactly what was found.
const NAMED: Readonly<Record<number, string>> = {
  0x00a0: 'NO-BREAK SPACE',
  0x00ad: 'SOFT HYPHEN',
  0x061c: 'ARABIC LETTER MARK',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x2007: 'FIGURE SPACE',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x202f: 'NARROW NO-BREAK SPACE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};
const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0d: 'CARRIAGE RETURN',
  0x1b: 'ESCAPE',
  0x7f: 'DELETE',
};

const isControl = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
const isHidden = (cp: number): boolean =>
  isControl(cp) || cp in NAMED || (cp >= 0x2061 && cp <= 0x206f) || (cp >= 0xfff9 && cp <= 0xfffb);

export interface HiddenCharacter {
  /** `U+200E` */
  readonly code: string;
  /** `an invisible U+200E LEFT-TO-RIGHT MARK` or `a control character U+000A LINE FEED` */
  readonly description: string;
  /** 1-based, counted in characters (code points) as an editor counts them. */
  readonly position: number;
}

/** The first control or invisible character of `s`, named, with its position. */
export function findHiddenCharacter(s: string): HiddenCharacter | undefined {
  let position = 0;
  for (const ch of s) {
    position++;
    const cp = ch.codePointAt(0) ?? 0;
    if (!isHidden(cp)) continue;
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    const name = NAMED[cp] ?? CONTROL_NAMES[cp];
    const description = isControl(cp)
      ? `a control character ${code}${name !== undefined ? ` ${name}` : ''}`
      : `an invisible ${code}${name !== undefined ? ` ${name}` : ''}`;
    return { code, description, position };
  }
  return undefined;
}

/** The value as JSON, with hidden characters written as \uXXXX so the message shows them. */
export function visible(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/gu, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return isHidden(cp) ? `\\u${cp.toString(16).padStart(4, '0')}` : ch;
  });
}

/** The value as typed, or as JSON with \uXXXX escapes when it holds a hidden character. */
export function printable(value: string): string {
  return findHiddenCharacter(value) === undefined ? value : visible(value);
}
