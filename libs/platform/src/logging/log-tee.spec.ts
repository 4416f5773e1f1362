import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { LogTee } from './log-tee';

describe('LogTee', () => {
  it('writes every line to the primary stream and to attached sinks, and survives a failing sink', () => {
    const primary = new PassThrough();
    const printed: string[] = [];
    primary.on('data', (chunk: Buffer) => printed.push(chunk.toString()));
    const tee = new LogTee(primary);
    const logger = createLogger({ app: 't', destination: tee });

    logger.info('before');
    const shipped: string[] = [];
    const detach = tee.attach((line) => shipped.push(line));
    tee.attach(() => {
      throw new Error('sink down');
    });
    logger.info({ token: 'x' }, 'after');
    detach();
    logger.info('detached');

    expect(printed.join('').trim().split('\n')).toHaveLength(3);
    expect(shipped).toHaveLength(1);
    expect(JSON.parse(shipped[0]!)).toMatchObject({ msg: 'after', token: '****' });
  });
});
