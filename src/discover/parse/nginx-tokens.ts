// The nginx configuration tokeniser: words, quoted strings, `{`, `}`, `;`, comments dropped.

export interface Token {
  readonly word: string;
  readonly quoted: boolean;
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ word: c, quoted: false });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let word = '';
      while (j < n && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < n) j++;
        word += text[j];
        j++;
      }
      out.push({ word, quoted: true });
      i = j + 1;
    } else {
      let j = i;
      while (j < n && !/[\s{};]/.test(text[j]!)) j++;
      // A `#` inside a word does not start a comment in nginx; keep the word whole.
      out.push({ word: text.slice(i, j), quoted: false });
      i = j;
    }
  }
  return out;
}
