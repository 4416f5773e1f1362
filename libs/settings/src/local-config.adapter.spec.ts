import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { loadControlPlaneConfig, loadLocalConfig } from './local-config.adapter';

// The adapter's only job is choosing and reading the file; a scratch directory is all it needs.
describe('loadLocalConfig / loadControlPlaneConfig (file reading)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'portico-settings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads ./config.ini relative to cwd', () => {
    writeFileSync(path.join(dir, 'config.ini'), '[settings]\nchecksum_max_workers = 4\n');
    const config = loadLocalConfig({ argv: [], env: {}, cwd: dir });
    expect(config.file).toEqual({
      path: path.join(dir, 'config.ini'),
      exists: true,
      explicit: false,
      from: 'default',
    });
    expect(config.settings['checksum_max_workers']?.value).toBe(4);
  });

  it('continues with the environment alone when the default file is absent', () => {
    const config = loadLocalConfig({ argv: [], env: { PORTICO_ROLES: 'checksum' }, cwd: dir });
    expect(config.file).toMatchObject({ exists: false, explicit: false });
    expect(config.main.roles).toEqual(['CHECKSUM']);
  });

  it('reads the file named by --config or PORTICO_CONFIG', () => {
    writeFileSync(path.join(dir, 'node.ini'), '[main]\nnode-name = from-file\n');
    expect(loadLocalConfig({ argv: ['--config', 'node.ini'], env: {}, cwd: dir }).main.nodeName).toBe(
      'from-file',
    );
    const viaEnv = loadLocalConfig({
      argv: [],
      env: { PORTICO_CONFIG: path.join(dir, 'node.ini') },
      cwd: '/',
    });
    expect(viaEnv.file).toMatchObject({ exists: true, explicit: true, from: 'PORTICO_CONFIG' });
  });

  it('fails when an explicitly named file is missing', () => {
    const missing = path.join(dir, 'nope.ini');
    expect(() => loadLocalConfig({ argv: ['--config', missing], env: {}, cwd: dir })).toThrow(
      new ConfigError(
        `config file ${missing} not found (from --config); check the path, or leave --config out to use ./config.ini and PORTICO_* variables`,
      ),
    );
    expect(() => loadLocalConfig({ argv: [], env: { PORTICO_CONFIG: missing }, cwd: dir })).toThrow(
      `config file ${missing} not found (from PORTICO_CONFIG)`,
    );
  });

  it('fails when the config path is a directory', () => {
    mkdirSync(path.join(dir, 'config.ini'));
    expect(() => loadLocalConfig({ argv: [], env: {}, cwd: dir })).toThrow(
      /cannot be read \(it is a directory/,
    );
  });

  it('reports parse errors with the file path and line', () => {
    writeFileSync(path.join(dir, 'config.ini'), '[main]\nbroken line\n');
    expect(() => loadLocalConfig({ argv: [], env: {}, cwd: dir })).toThrow(
      `config file ${path.join(dir, 'config.ini')} line 2: not a "key = value" line`,
    );
  });

  it('loads the control plane section by the same file rules', () => {
    writeFileSync(
      path.join(dir, 'cp.ini'),
      '[control-plane]\ndatabase-url = postgres://cp@db/portico\nhttp-port = 8081\n',
    );
    const config = loadControlPlaneConfig({ argv: ['--config=cp.ini'], env: {}, cwd: dir });
    expect(config).toMatchObject({
      httpPort: 8081,
      databaseUrl: 'postgres://cp@db/portico',
      file: { explicit: true },
    });
    expect(() => loadControlPlaneConfig({ argv: ['--config', 'missing.ini'], env: {}, cwd: dir })).toThrow(
      /not found/,
    );
  });
});
