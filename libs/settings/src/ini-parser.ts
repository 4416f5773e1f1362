import { ConfigError } from './errors';

/**
 * A strict parser for config.ini. The format is small (sections, `key = value`, comments),
 * and a typo must be an error rather than a silently ignored line, which general-purpose
 * ini parsers do not give us.
 *
 * - `;` and `#` start a comment at the start of a line, or after whitespace in a value
 *   (`roles = MAIN   ; gateway only`); a `#` inside a value (`http://h/#x`) is kept.
 * - Values may be quoted with "..." or '...' to keep leading/trailing spaces, `;` or `#`;
 *   inside double quotes `\"` and `\\` are escapes.
 * - An empty value (`key =`) is the empty string.
 * - Duplicate keys in a section, a repeated section, a key outside any section, a section
 *   not in `allowedSections` and any other line are errors naming the file and line.
 */

export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: ReadonlyMap<string, IniEntry>;
}

export type IniDocument = ReadonlyMap<string, IniSection>;

const SECTION = /^\[\s*([^\]]*?)\s*\]\s*(?:[;#].*)?$/;
const ENTRY = /^([A-Za-z0-9_.-]+)\s*=(.*)$/;

export function parseIni(text: string, file: string, allowedSections: readonly string[]): IniDocument {
  const sections = new Map<string, { name: string; line: number; entries: Map<string, IniEntry> }>();
  let current: { name: string; line: number; entries: Map<string, IniEntry> } | undefined;
  const allowed = allowedSections.map((s) => `[${s}]`).join(', ');
  const fail = (line: number, message: string, details: { key?: string; allowed?: string } = {}) =>
    new ConfigError(`config file ${file} line ${line}: ${message}`, { file, line, ...details });

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;

    const section = SECTION.exec(trimmed);
    if (section) {
      const name = section[1] ?? '';
      if (!allowedSections.includes(name)) {
        throw fail(line, `unknown section [${name}]; allowed sections: ${allowed}`, { allowed });
      }
      const seen = sections.get(name);
      if (seen) throw fail(line, `section [${name}] appears again (first on line ${seen.line}); merge them`);
      current = { name, line, entries: new Map() };
      sections.set(name, current);
      return;
    }

    const entry = ENTRY.exec(trimmed);
    if (!entry) {
      // The line is not quoted back: it may hold a secret written in the wrong syntax.
      const hint = /^[A-Za-z0-9_.-]+\s*:/.test(trimmed) ? ' (use "=" rather than ":")' : '';
      throw fail(line, `not a "key = value" line, a [section] or a comment${hint}`);
    }
    const key = entry[1] ?? '';
    if (!current)
      throw fail(line, `key "${key}" is outside any section; put it under one of ${allowed}`, {
        key,
        allowed,
      });
    const value = parseValue(entry[2] ?? '', (message) => fail(line, `key "${key}": ${message}`, { key }));
    const previous = current.entries.get(key);
    if (previous) {
      throw fail(line, `duplicate key "${key}" in [${current.name}] (first set on line ${previous.line})`, {
        key,
      });
    }
    current.entries.set(key, { key, value, line });
  });
  return sections;
}

function parseValue(rest: string, fail: (message: string) => ConfigError): string {
  const text = rest.trim();
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    let value = '';
    for (let i = 1; i < text.length; i += 1) {
      const ch = text[i] as string;
      if (quote === '"' && ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
        value += text[i + 1];
        i += 1;
        continue;
      }
      if (ch === quote) {
        const after = text.slice(i + 1).trim();
        if (after !== '' && !after.startsWith(';') && !after.startsWith('#')) {
          throw fail('unexpected text after the closing quote');
        }
        return value;
      }
      value += ch;
    }
    throw fail(`unterminated ${quote} quote`);
  }
  // A comment starts at ; or # at the start of the value or after whitespace.
  const comment = /(^|\s)[;#]/.exec(text);
  return (comment ? text.slice(0, comment.index) : text).trim();
}
