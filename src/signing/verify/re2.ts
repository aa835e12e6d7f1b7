/**
 * Go `regexp` (RE2 syntax) → JavaScript `RegExp`, for the `matchOIDCIdentity` regexps Flux takes.
 *
 * Flux compiles `issuer` and `subject` with Go's `regexp.Compile` and calls `MatchString`, so a
 * pattern matches anywhere in the value unless the user anchors it with `^…$`. We only ever test
 * for a match, so what must agree is the set of strings each construct accepts. The translation
 * walks the pattern once and emits an equivalent JS pattern (always with the `u` flag, so both
 * sides work on code points); constructs whose meaning differs and cannot be rewritten are
 * rejected with a message instead of being guessed.
 *
 * Syntax per Go's regexp/syntax documentation (BSD-3-Clause); no code copied.
 */

export class RegexpSyntaxError extends Error {
  override readonly name = 'RegexpSyntaxError';
}

const PERL_CLASSES: Record<string, string> = {
  d: '0-9',
  w: '0-9A-Za-z_',
  // Go's \s is [\t\n\f\r ] (no \v, no Unicode spaces), unlike JavaScript's.
  s: '\\t\\n\\f\\r ',
};

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Unicode general categories Go accepts in \p{…}; anything else is a script name. */
const GENERAL_CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

/** Characters that must be escaped to be literal in a JS `u`-mode pattern outside a class. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

function literal(ch: string, inClass: boolean): string {
  if (inClass) {
    return ch === '\\' || ch === ']' || ch === '[' || ch === '^' || ch === '-' ? `\\${ch}` : ch;
  }
  return JS_SYNTAX.has(ch) ? `\\${ch}` : ch;
}

function codePointLiteral(cp: number, inClass: boolean): string {
  if (cp > 0x10ffff) throw new RegexpSyntaxError('invalid escape: code point out of range');
  const ch = String.fromCodePoint(cp);
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return literal(ch, inClass);
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

class Translator {
  private pos = 0;
  private out = '';
  private depth = 0;
  private canRepeat = false;
  /** The last thing emitted was an anchor: Go lets it be repeated, JavaScript does not. */
  private lastAnchor = false;
  private readonly flags: Flags = { i: false, m: false, s: false };

  constructor(private readonly src: string) {}

  translate(): { source: string; flags: string } {
    this.leadingFlags();
    while (this.pos < this.src.length) this.atom();
    if (this.depth !== 0) throw new RegexpSyntaxError('missing closing )');
    let flags = 'u';
    if (this.flags.i) flags += 'i';
    if (this.flags.m) flags += 'm';
    return { source: this.out, flags };
  }

  /** `(?flags)` is supported only at the very start, where it applies to the whole pattern. */
  private leadingFlags(): void {
    const m = /^\(\?([imsU]+)\)/.exec(this.src);
    if (!m?.[1]) return;
    for (const f of m[1]) {
      if (f === 'U')
        throw new RegexpSyntaxError(
          'the (?U) ungreedy flag is not supported; write lazy quantifiers (*?) instead',
        );
      this.flags[f as keyof Flags] = true;
    }
    this.pos = m[0].length;
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  private atom(): void {
    const ch = this.src[this.pos] as string;
    switch (ch) {
      case '\\': {
        const e = this.escape(false);
        this.out += e;
        this.lastAnchor = e === '^' || e === '$' || e === '\\b' || e === '\\B';
        this.canRepeat = !this.lastAnchor;
        return;
      }
      case '[':
        this.out += this.charClass();
        this.canRepeat = true;
        this.lastAnchor = false;
        return;
      case '.':
        this.pos++;
        this.out += this.flags.s ? '[^]' : '[^\\n]';
        this.canRepeat = true;
        this.lastAnchor = false;
        return;
      case '(':
        this.group();
        this.canRepeat = false;
        this.lastAnchor = false;
        return;
      case ')':
        if (this.depth === 0) throw new RegexpSyntaxError('unexpected )');
        this.depth--;
        this.pos++;
        this.out += ')';
        this.canRepeat = true;
        this.lastAnchor = false;
        return;
      case '{':
        this.repeat();
        return;
      case '*':
      case '+':
      case '?':
        this.quantifier(ch);
        return;
      case '^':
      case '$':
      case '|':
        this.pos++;
        this.out += ch;
        // Go accepts `^*`; JavaScript does not, and repeating an anchor means nothing.
        this.canRepeat = false;
        this.lastAnchor = ch !== '|';
        return;
      default: {
        const cp = this.src.codePointAt(this.pos) as number;
        const s = String.fromCodePoint(cp);
        this.pos += s.length;
        this.out += literal(s, false);
        this.canRepeat = true;
        this.lastAnchor = false;
      }
    }
  }

  private noArgument(op: string): RegexpSyntaxError {
    return this.lastAnchor
      ? new RegexpSyntaxError(
          `repeating an anchor (^, $, \\A, \\z, \\b, \\B) with ${op} is not supported; remove the repetition`,
        )
      : new RegexpSyntaxError(`missing argument to repetition operator: ${op}`);
  }

  private quantifier(ch: string): void {
    if (!this.canRepeat) throw this.noArgument(ch);
    this.pos++;
    this.out += ch;
    this.afterRepeat();
  }

  /** Lazy suffix, and Go's ban on a repetition directly after another (`a**`, `a{2}{3}`). */
  private afterRepeat(): void {
    if (this.peek() === '?') {
      this.pos++;
      this.out += '?';
    }
    this.canRepeat = false;
    this.lastAnchor = false;
    const next = this.peek();
    if (
      next === '*' ||
      next === '+' ||
      next === '?' ||
      (next === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos)))
    ) {
      throw new RegexpSyntaxError(`invalid nested repetition operator near offset ${this.pos}`);
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` repeat; anything else is a literal `{`, as in Go. */
  private repeat(): void {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
    if (!m) {
      this.pos++;
      this.out += '\\{';
      this.canRepeat = true;
      this.lastAnchor = false;
      return;
    }
    const min = Number(m[1]);
    const max = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
    if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) {
      throw new RegexpSyntaxError(`invalid repeat count: ${m[0]}`);
    }
    if (!this.canRepeat) throw this.noArgument(m[0]);
    this.pos += m[0].length;
    this.out += m[0];
    this.afterRepeat();
  }

  private group(): void {
    this.pos++;
    this.depth++;
    if (this.peek() !== '?') {
      this.out += '(';
      return;
    }
    const rest = this.src.slice(this.pos);
    if (rest.startsWith('?:')) {
      this.pos += 2;
      this.out += '(?:';
      return;
    }
    const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.pos += named[0].length;
      this.out += `(?<${named[1]}>`;
      return;
    }
    if (/^\?[=!<]/.test(rest)) {
      throw new RegexpSyntaxError(
        'lookahead and lookbehind (?=, ?!, ?<=, ?<!) are not valid in Go regexps',
      );
    }
    throw new RegexpSyntaxError(
      'inline flags such as (?i) are supported only at the start of the pattern, where they apply to all of it',
    );
  }

  /** An escape sequence, outside (inClass=false) or inside a bracket class. */
  private escape(inClass: boolean): string {
    this.pos++; // the backslash
    const c = this.src[this.pos];
    if (c === undefined) throw new RegexpSyntaxError('trailing backslash at end of expression');
    this.pos++;
    switch (c) {
      case 'd':
      case 'w':
      case 's':
        return inClass ? (PERL_CLASSES[c] as string) : `[${PERL_CLASSES[c]}]`;
      case 'D':
      case 'W':
      case 'S':
        if (inClass)
          throw new RegexpSyntaxError(
            `\\${c} inside [...] is not supported; list the characters instead`,
          );
        return `[^${PERL_CLASSES[c.toLowerCase()]}]`;
      case 'b':
      case 'B':
        if (inClass) throw new RegexpSyntaxError(`invalid escape sequence: \\${c} inside [...]`);
        if (this.flags.i) throw new RegexpSyntaxError(`\\${c} together with (?i) is not supported`);
        return `\\${c}`;
      case 'A':
        if (inClass) throw new RegexpSyntaxError('invalid escape sequence: \\A inside [...]');
        if (this.flags.m) throw new RegexpSyntaxError('\\A together with (?m) is not supported');
        return '^';
      case 'z':
        if (inClass) throw new RegexpSyntaxError('invalid escape sequence: \\z inside [...]');
        if (this.flags.m) throw new RegexpSyntaxError('\\z together with (?m) is not supported');
        return '$';
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos);
        const text = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end < 0 ? this.src.length : end + 2;
        return Array.from(text, (ch) => literal(ch, inClass)).join('');
      }
      case 'a':
        return '\\x07';
      case 'f':
        return '\\f';
      case 't':
        return '\\t';
      case 'n':
        return '\\n';
      case 'r':
        return '\\r';
      case 'v':
        return '\\v';
      case 'x':
        return this.hexEscape(inClass);
      case 'p':
      case 'P':
        return this.unicodeClass(c, inClass);
      case 'C':
        throw new RegexpSyntaxError('\\C (any byte) is not supported');
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      // Go: \0–\7 followed by octal digits is an octal code; a lone \1–\7 is a backreference (invalid).
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos)) as RegExpExecArray;
      if (c !== '0' && m[0] === '')
        throw new RegexpSyntaxError(
          `invalid escape sequence: \\${c} (backreferences are not valid in Go regexps)`,
        );
      this.pos += m[0].length;
      return codePointLiteral(Number.parseInt(c + m[0], 8), inClass);
    }
    if (/[A-Za-z0-9]/.test(c)) throw new RegexpSyntaxError(`invalid escape sequence: \\${c}`);
    if (c.charCodeAt(0) >= 0x80) throw new RegexpSyntaxError(`invalid escape sequence: \\${c}`);
    // Go lets any ASCII punctuation be escaped; JS `u` mode allows only syntax characters.
    return literal(c, inClass);
  }

  private hexEscape(inClass: boolean): string {
    const rest = this.src.slice(this.pos);
    const braced = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
    if (braced) {
      this.pos += braced[0].length;
      return codePointLiteral(Number.parseInt(braced[1] as string, 16), inClass);
    }
    const two = /^[0-9A-Fa-f]{2}/.exec(rest);
    if (!two) throw new RegexpSyntaxError('invalid escape sequence: \\x');
    this.pos += 2;
    return codePointLiteral(Number.parseInt(two[0], 16), inClass);
  }

  private unicodeClass(c: 'p' | 'P', inClass: boolean): string {
    let name: string;
    if (this.peek() === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) throw new RegexpSyntaxError('invalid character class range: missing }');
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      name = this.peek();
      if (!name) throw new RegexpSyntaxError('invalid character class range');
      this.pos++;
    }
    let negate = c === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    let body: string;
    if (name === 'Any') {
      if (negate) throw new RegexpSyntaxError('\\P{Any} matches nothing; remove it');
      return inClass ? '\\u{0}-\\u{10ffff}' : '[^]';
    }
    if (GENERAL_CATEGORIES.has(name)) body = name;
    else if (/^[A-Z][A-Za-z_]*$/.test(name)) body = `Script=${name}`;
    else throw new RegexpSyntaxError(`invalid character class range: \\p{${name}}`);
    return `\\${negate ? 'P' : 'p'}{${body}}`;
  }

  /** A bracket class, item by item as Go's parser reads it (so `-` means what it means to Go). */
  private charClass(): string {
    this.pos++; // [
    let out = '[';
    if (this.peek() === '^') {
      this.pos++;
      out += '^';
    }
    const start = this.pos;
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) throw new RegexpSyntaxError('missing closing ]');
      // A `]` right after `[` or `[^` is a literal, as in Go.
      if (ch === ']' && this.pos !== start) {
        this.pos++;
        break;
      }
      if (ch === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        const cls = m ? POSIX_CLASSES[m[2] as string] : undefined;
        if (m && cls !== undefined) {
          if (m[1])
            throw new RegexpSyntaxError(`negated POSIX class [:^${m[2]}:] is not supported`);
          this.pos += m[0].length;
          out += cls;
          continue;
        }
      }
      if (ch === '\\' && /^[dswDSWpP]$/.test(this.peek(1))) {
        out += this.escape(true);
        continue;
      }
      const lo = this.classChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.pos++;
        const hi = this.classChar();
        if (hi < lo) throw new RegexpSyntaxError('invalid character class range');
        out += `${codePointLiteral(lo, true)}-${codePointLiteral(hi, true)}`;
      } else {
        out += codePointLiteral(lo, true);
      }
    }
    return `${out}]`;
  }

  /** One character of a class (a literal or a single-character escape), as a code point. */
  private classChar(): number {
    const ch = this.src[this.pos];
    if (ch === undefined) throw new RegexpSyntaxError('missing closing ]');
    if (ch !== '\\') {
      const cp = this.src.codePointAt(this.pos) as number;
      this.pos += String.fromCodePoint(cp).length;
      return cp;
    }
    const c = this.peek(1);
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (c in simple) {
      this.pos += 2;
      return simple[c] as number;
    }
    if (c === 'x') {
      this.pos += 2;
      const rest = this.src.slice(this.pos);
      const braced = /^\{([0-9A-Fa-f]+)\}/.exec(rest);
      const two = /^[0-9A-Fa-f]{2}/.exec(rest);
      const hex = braced?.[1] ?? two?.[0];
      if (hex === undefined) throw new RegexpSyntaxError('invalid escape sequence: \\x');
      this.pos += (braced?.[0] ?? two?.[0] ?? '').length;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) throw new RegexpSyntaxError('invalid escape: code point out of range');
      return cp;
    }
    if (c >= '0' && c <= '7') {
      this.pos += 2;
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos)) as RegExpExecArray;
      if (c !== '0' && m[0] === '') throw new RegexpSyntaxError(`invalid escape sequence: \\${c}`);
      this.pos += m[0].length;
      return Number.parseInt(c + m[0], 8);
    }
    if (c === '') throw new RegexpSyntaxError('trailing backslash at end of expression');
    if (/[A-Za-z0-9]/.test(c) || c.charCodeAt(0) >= 0x80)
      throw new RegexpSyntaxError(`invalid escape sequence: \\${c}`);
    this.pos += 2;
    return c.charCodeAt(0);
  }
}

/**
 * Translates a Go RE2 pattern into a JS RegExp with the same match/no-match answer for every
 * input. Throws RegexpSyntaxError for patterns Go rejects and for constructs we cannot translate.
 */
export function re2ToRegExp(pattern: string): RegExp {
  const { source, flags } = new Translator(pattern).translate();
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new RegexpSyntaxError(`cannot translate: ${(err as Error).message}`);
  }
}
