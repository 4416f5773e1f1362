import { Module } from '@nestjs/common';
import { NODE_RUNTIME, type NodeRuntime } from '@portico/platform';
import { FileHasher, FsStoragePaths, NodeFileHasher, StoragePaths } from '@portico/storage';
import { ChecksumHandler } from './checksum.handler.provider';

/** The CHECKSUM role: hashes catalogued files, records the digests, starts their transcodes. */
@Module({
  providers: [
    ChecksumHandler,
    { provide: FileHasher, useFactory: () => new NodeFileHasher() },
    {
      provide: StoragePaths,
      inject: [NODE_RUNTIME],
      useFactory: (runtime: NodeRuntime) => new FsStoragePaths(runtime.mountPoint),
    },
  ],
})
export class ChecksumRoleModule {}
