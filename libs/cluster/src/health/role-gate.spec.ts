import { evaluateRoleGate, ROLE_HEALTH_DEPENDENCIES } from './role-gate';

const statuses = (entries: Record<string, 'up' | 'down'>) => new Map(Object.entries(entries));

describe('role gate', () => {
  it('declares the dependency table', () => {
    expect(ROLE_HEALTH_DEPENDENCIES).toEqual({
      MAIN: ['database', 'control-plane', 'storage'],
      CHECKSUM: ['database', 'storage'],
      TRANSCODE: ['database', 'storage'],
      TRANSFER: ['database', 'storage'],
    });
  });

  it.each([
    ['database', { MAIN: false, CHECKSUM: false, TRANSCODE: false, TRANSFER: false }],
    ['storage', { MAIN: false, CHECKSUM: false, TRANSCODE: false, TRANSFER: false }],
    ['control-plane', { MAIN: false, CHECKSUM: true, TRANSCODE: true, TRANSFER: true }],
  ] as const)('with %s down', (down, expected) => {
    const all = statuses({ database: 'up', 'control-plane': 'up', storage: 'up', [down]: 'down' });
    for (const [role, allowed] of Object.entries(expected)) {
      const gate = evaluateRoleGate(role as keyof typeof expected, all);
      expect({ role, allowed: gate.allowed, blockedBy: gate.blockedBy }).toEqual({
        role,
        allowed,
        blockedBy: allowed ? [] : [down],
      });
    }
  });

  it('lists every failed dependency and ignores dependencies the node does not monitor', () => {
    expect(evaluateRoleGate('MAIN', statuses({ database: 'down', storage: 'down' }))).toEqual({
      role: 'MAIN',
      allowed: false,
      blockedBy: ['database', 'storage'],
    });
    expect(evaluateRoleGate('MAIN', statuses({ database: 'up', storage: 'up' })).allowed).toBe(true);
  });
});
