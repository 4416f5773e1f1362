import {
  type Access,
  type Principal,
  mayAccessCluster,
  mayActAsNode,
  mayCall,
  tokenRejection,
} from './permissions';

const admin: Principal = { kind: 'admin', tokenId: null };
const node: Principal = { kind: 'node', tokenId: 't1', clusterId: 'c1', nodeId: 'n1' };
const join: Principal = { kind: 'join', tokenId: 't2', clusterId: 'c1' };

describe('permissions', () => {
  it.each<[Access, boolean, boolean, boolean]>([
    ['admin', true, false, false],
    ['member', true, true, false],
    ['node', false, true, false],
    ['join', false, false, true],
  ])('route access %s: admin %s, node %s, join %s', (access, a, n, j) => {
    expect(mayCall(admin, access).allowed).toBe(a);
    expect(mayCall(node, access).allowed).toBe(n);
    expect(mayCall(join, access).allowed).toBe(j);
  });

  it('explains a refusal with the kind that was given', () => {
    const decision = mayCall(join, 'admin');
    expect(decision).toEqual({
      allowed: false,
      reason: 'this route needs an admin token; a join token was given',
    });
  });

  it('keeps node and join tokens inside their cluster; admins go anywhere', () => {
    expect(mayAccessCluster(admin, 'c2').allowed).toBe(true);
    expect(mayAccessCluster(admin, undefined).allowed).toBe(true);
    expect(mayAccessCluster(node, 'c1').allowed).toBe(true);
    expect(mayAccessCluster(node, 'c2').allowed).toBe(false);
    expect(mayAccessCluster(node, undefined).allowed).toBe(false);
    expect(mayAccessCluster(join, 'c2').allowed).toBe(false);
  });

  it('lets a node token speak only for its own node', () => {
    expect(mayActAsNode(node, 'n1').allowed).toBe(true);
    expect(mayActAsNode(node, 'n2').allowed).toBe(false);
    expect(mayActAsNode(admin, 'n1').allowed).toBe(false);
  });

  it('classifies unusable tokens', () => {
    expect(tokenRejection(undefined)).toBe('unknown');
    expect(tokenRejection({ revoked: true, expired: true })).toBe('revoked');
    expect(tokenRejection({ revoked: false, expired: true })).toBe('expired');
    expect(tokenRejection({ revoked: false, expired: false })).toBeUndefined();
  });
});
