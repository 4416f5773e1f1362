import { ConfigError } from './errors';
import { parseIni } from './ini-parser';

const FILE = '/srv/portico/config.ini';
const SECTIONS = ['main', 'settings', 'storage'];

function values(text: string, section = 'main'): Record<string, string> {
  const doc = parseIni(text, FILE, SECTIONS);
  return Object.fromEntries([...(doc.get(section)?.entries.values() ?? [])].map((e) => [e.key, e.value]));
}

function error(text: string): ConfigError {
  try {
    parseIni(text, FILE, SECTIONS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseIni', () => {
  it('reads the SPEC 3.2 example, with inline comments', () => {
    const doc = parseIni(
      [
        '[main]',
        'control-plane-url = http://127.0.0.1:8080',
        'auth-token = abc              ; node token issued by the control plane',
        'roles = MAIN,CHECKSUM,TRANSCODE,TRANSFER   ; gateway app only; role apps have theirs',
        '',
        '[settings]',
        'checksum_max_workers = 4      ; any setting of 2.3, overriding node and cluster values',
        '',
        '[storage]',
        "mount-point = /mnt/nas        ; this node's path to the cluster's storage",
      ].join('\n'),
      FILE,
      SECTIONS,
    );
    expect(doc.get('main')?.entries.get('auth-token')).toEqual({ key: 'auth-token', value: 'abc', line: 3 });
    expect(doc.get('main')?.entries.get('roles')?.value).toBe('MAIN,CHECKSUM,TRANSCODE,TRANSFER');
    expect(doc.get('settings')?.entries.get('checksum_max_workers')).toEqual({
      key: 'checksum_max_workers',
      value: '4',
      line: 7,
    });
    expect(doc.get('storage')?.entries.get('mount-point')?.value).toBe('/mnt/nas');
  });

  it('skips ; and # comment lines and blank lines, and tolerates CRLF and a BOM', () => {
    expect(
      values('\uFEFF; comment\r\n# another\r\n\r\n[main]\r\n  ; indented comment\r\nnode-name = a\r\n'),
    ).toEqual({
      'node-name': 'a',
    });
  });

  it('keeps # and ; that are part of a value, and cuts comments after whitespace', () => {
    expect(
      values('[main]\na = http://h/#frag\nb = x;y\nc = v # note\nd = v\t;note\ne=;only a comment'),
    ).toEqual({
      a: 'http://h/#frag',
      b: 'x;y',
      c: 'v',
      d: 'v',
      e: '',
    });
  });

  it('reads quoted values literally', () => {
    expect(
      values(
        [
          '[main]',
          'a = "  spaced ; not a comment # "',
          'b = \'single "q"\'   ; comment',
          'c = "esc \\" and \\\\"',
          'd = ""',
        ].join('\n'),
      ),
    ).toEqual({ a: '  spaced ; not a comment # ', b: 'single "q"', c: 'esc " and \\', d: '' });
  });

  it('reads an empty value as the empty string', () => {
    expect(values('[main]\nnode-name =\nredis-url =   \n')).toEqual({ 'node-name': '', 'redis-url': '' });
  });

  it('accepts spaces inside section brackets and a comment after a section', () => {
    expect(values('[ main ] ; the main section\nk = v')).toEqual({ k: 'v' });
  });

  it.each([
    ['[main]\nroles = MAIN\nroles = CHECKSUM', 3, 'duplicate key "roles" in [main] (first set on line 2)'],
    ['[main]\n[mian]\n', 2, 'unknown section [mian]; allowed sections: [main], [settings], [storage]'],
    ['[Main]\n', 1, 'unknown section [Main]'],
    ['[main]\nk = v\n\n[main]\n', 4, 'section [main] appears again (first on line 1)'],
    ['k = v\n[main]', 1, 'key "k" is outside any section; put it under one of [main], [settings], [storage]'],
    ['[main]\njust some words', 2, 'not a "key = value" line, a [section] or a comment'],
    [
      '[main]\nauth-token: abc',
      2,
      'not a "key = value" line, a [section] or a comment (use "=" rather than ":")',
    ],
    ['[main]\n= value', 2, 'not a "key = value" line'],
    ['[main]\nmy key = v', 2, 'not a "key = value" line'],
    ['[main\n', 1, 'not a "key = value" line'],
    ['[main]\na = "open', 2, 'key "a": unterminated " quote'],
    ["[main]\na = 'x' trailing", 2, 'key "a": unexpected text after the closing quote'],
  ])('rejects %j at line %i', (text, line, message) => {
    const e = error(text);
    expect(e.message).toContain(`config file ${FILE} line ${line}: ${message}`);
    expect(e.message).not.toContain('\n');
    expect(e.file).toBe(FILE);
    expect(e.line).toBe(line);
  });

  it('does not quote a malformed line back (it may hold a secret)', () => {
    expect(error('[main]\nauth-token: verysecrettoken').message).not.toContain('verysecrettoken');
    expect(error('[main]\nauth-token "verysecrettoken"').message).not.toContain('verysecrettoken');
    expect(error('[main]\nauth-token = "verysecrettoken').message).not.toContain('verysecrettoken');
  });
});
