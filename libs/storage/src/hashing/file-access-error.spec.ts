import { classifyFileError, FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';

describe('classifyFileError', () => {
  it.each([
    ['ENOENT', 'missing', false],
    ['ENOTDIR', 'missing', false],
    ['EACCES', 'permission-denied', true],
    ['EPERM', 'permission-denied', true],
    ['EISDIR', 'not-a-file', true],
    ['ELOOP', 'bad-path', true],
    ['ENAMETOOLONG', 'bad-path', true],
    ['EIO', 'io-error', false],
    ['ESTALE', 'io-error', false],
    ['ETIMEDOUT', 'io-error', false],
    [undefined, 'io-error', false],
  ])('%s is %s, permanent %s', (code, reason, permanent) => {
    expect(classifyFileError(code)).toMatchObject({ reason, permanent });
  });
});

describe('FileAccessError', () => {
  it('says what failed, on which file, and what to do', () => {
    const error = new FileAccessError('/mnt/nas/a.mov', 'open', 'EACCES');
    expect(error).toMatchObject({ name: 'FileAccessError', reason: 'permission-denied', permanent: true });
    expect(error.message).toBe(
      "cannot open /mnt/nas/a.mov to compute its checksum (EACCES): permission denied; give this node's user " +
        'read access to it, then retry the dead job (portico jobs retry)',
    );
  });

  it('takes an explicit reason for checks of its own', () => {
    const error = new FileAccessError('/mnt/nas/dir', 'read', undefined, { reason: 'not-a-file' });
    expect(error).toMatchObject({ reason: 'not-a-file', permanent: true });
    expect(error.message).toBe(
      'cannot read /mnt/nas/dir to compute its checksum: it is not a regular file (a directory, FIFO, device or socket) and has no checksum',
    );
  });

  it('keeps the cause', () => {
    const cause = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    const error = new FileAccessError('/mnt/nas/a.mov', 'read', 'EIO', { cause });
    expect(error.cause).toBe(cause);
    expect(error.permanent).toBe(false);
  });
});

describe('FileChangedError', () => {
  it('is retryable and lists the changes', () => {
    const error = new FileChangedError('/mnt/nas/a.mov', ['size 1 -> 2 bytes', 'inode 1 -> 2']);
    expect(error.permanent).toBe(false);
    expect(error.message).toBe(
      '/mnt/nas/a.mov changed while it was being hashed (size 1 -> 2 bytes; inode 1 -> 2); no checksum was ' +
        'recorded and the job will be retried once the file has stopped changing',
    );
  });
});
