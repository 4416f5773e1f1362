import { proposedNodeName } from './node-name';

describe('proposedNodeName', () => {
  it.each([
    ['edit-bay-3.post.example', 'checksum-worker', 'a1b2', 'edit-bay-3-checksum-worker-a1b2'],
    ['7c1f0e2a9b44', 'transcode-worker', 'ff00', '7c1f0e2a9b44-transcode-worker-ff00'],
    ['--weird host!', 'gateway', '0001', 'weird-host-gateway-0001'],
    ['', 'coordinator', 'beef', 'node-coordinator-beef'],
  ])('%s + %s', (hostname, app, suffix, expected) => {
    expect(proposedNodeName(hostname, app, suffix)).toBe(expected);
  });

  it('stays within the 100 characters a name may have', () => {
    expect(proposedNodeName('h'.repeat(200), 'gateway', 'abcd')).toHaveLength(100);
  });
});
