import { FileAccessError } from './file-access-error';
import { FileChangedError } from './file-changed-error';
import { fromWireError, toWireError } from './hash-thread-protocol';

/** What a thread boundary does to a message: a structured clone, which keeps no class. */
function acrossThreads(error: unknown): Error {
  return fromWireError(structuredClone(toWireError(error)));
}

/** The shape of the error Node's fs throws (a SystemError), without touching the file system. */
function systemError(code: string, errno: number, syscall: string, path: string, text: string): Error {
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

describe('errors crossing the checksum thread boundary', () => {
  it('a FileAccessError comes back as one, same message, classification and system cause', () => {
    const cause = systemError('EACCES', -13, 'open', '/mnt/nas/a.mov', 'permission denied');
    const original = new FileAccessError('/mnt/nas/a.mov', 'open', 'EACCES', { cause });
    const rebuilt = acrossThreads(original);
    expect(rebuilt).toBeInstanceOf(FileAccessError);
    expect(rebuilt).toMatchObject({
      name: 'FileAccessError',
      message: original.message,
      path: '/mnt/nas/a.mov',
      operation: 'open',
      code: 'EACCES',
      reason: 'permission-denied',
      permanent: true,
    });
    expect(rebuilt.cause).toBeInstanceOf(Error);
    expect(rebuilt.cause).toMatchObject({
      message: cause.message,
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: '/mnt/nas/a.mov',
    });
  });

  it.each([
    ['ENOENT', 'missing', false],
    ['EIO', 'io-error', false],
    ['ELOOP', 'bad-path', true],
    ['ESTALE', 'io-error', false],
  ] as const)('keeps the classification of %s (%s, permanent %s)', (code, reason, permanent) => {
    const original = new FileAccessError('/mnt/nas/b.mxf', 'read', code, {
      cause: systemError(code, -1, 'read', '/mnt/nas/b.mxf', 'failed'),
    });
    const rebuilt = acrossThreads(original) as FileAccessError;
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt).toMatchObject({ reason, permanent, code });
    expect((rebuilt.cause as { code?: string }).code).toBe(code);
  });

  it('a check of the hasher itself (not a regular file) has no code and no cause, before or after', () => {
    const original = new FileAccessError('/mnt/nas/folder', 'read', undefined, { reason: 'not-a-file' });
    const rebuilt = acrossThreads(original);
    expect(rebuilt).toBeInstanceOf(FileAccessError);
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt).toMatchObject({ code: undefined, reason: 'not-a-file', permanent: true });
    expect('cause' in rebuilt).toBe(false);
  });

  it('a FileChangedError comes back as one with the same changes and message', () => {
    const original = new FileChangedError('/mnt/nas/c.mov', [
      'size 10 -> 20 bytes',
      'modification time a -> b',
    ]);
    const rebuilt = acrossThreads(original);
    expect(rebuilt).toBeInstanceOf(FileChangedError);
    expect(rebuilt).toMatchObject({
      name: 'FileChangedError',
      message: original.message,
      path: '/mnt/nas/c.mov',
      changes: ['size 10 -> 20 bytes', 'modification time a -> b'],
      permanent: false,
    });
  });

  it('any other error keeps its name, message and stack', () => {
    const original = new RangeError('WebAssembly.Memory(): could not allocate memory');
    const rebuilt = acrossThreads(original);
    expect(rebuilt).toMatchObject({ name: 'RangeError', message: original.message, stack: original.stack });
    expect(acrossThreads('a thrown string')).toMatchObject({ name: 'Error', message: 'a thrown string' });
  });

  it('describes errors as plain data only', () => {
    const wire = toWireError(
      new FileAccessError('/x', 'stat', 'EIO', { cause: systemError('EIO', -5, 'fstat', '/x', 'i/o error') }),
    );
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
  });
});
