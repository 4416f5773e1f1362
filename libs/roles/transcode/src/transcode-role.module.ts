import { Module } from '@nestjs/common';
import { KeyedSemaphores } from '@portico/jobs-runtime';
import { FfmpegMediaTool, MediaTool } from '@portico/media';
import { LOGGER, type Logger, NODE_RUNTIME, type NodeRuntime } from '@portico/platform';
import { FileHasher, FsStoragePaths, NodeFileHasher, StoragePaths } from '@portico/storage';

import { TranscodeHandler } from './handlers/transcode.handler.provider';
import { ControlPlaneProxyStoreLocator } from './stores/control-plane-proxy-store.adapter';
import { NodeOutputFiles } from './support/output-files.adapter';
import { TranscodeServices } from './support/transcode-services';

/**
 * The TRANSCODE role: probes originals, makes their proxies, keyframes and posters once per
 * content and profile in the cluster, records them and enqueues their uploads.
 */
@Module({
  providers: [
    // The handler is a plain class (no Nest import, so tests load it without Nest), made here.
    {
      provide: TranscodeHandler,
      inject: [TranscodeServices],
      useFactory: (services: TranscodeServices) => new TranscodeHandler(services),
    },
    // libs/media has no Nest module (jest cannot load Nest): the role provides the tool itself.
    { provide: MediaTool, useFactory: () => new FfmpegMediaTool() },
    { provide: FileHasher, useFactory: () => new NodeFileHasher() },
    {
      provide: StoragePaths,
      inject: [NODE_RUNTIME],
      useFactory: (runtime: NodeRuntime) => new FsStoragePaths(runtime.mountPoint),
    },
    {
      provide: TranscodeServices,
      inject: [NODE_RUNTIME, LOGGER, StoragePaths, MediaTool, FileHasher],
      useFactory: (
        runtime: NodeRuntime,
        logger: Logger,
        paths: StoragePaths,
        media: MediaTool,
        hasher: FileHasher,
      ) =>
        new TranscodeServices({
          clusterId: runtime.identity.clusterId,
          paths,
          media,
          hasher,
          outputs: new NodeOutputFiles(),
          proxyStore: new ControlPlaneProxyStoreLocator(runtime.storageView),
          producer: runtime.jobs.producer,
          profiles: () => runtime.settings.current.values.transcode_profiles,
          // The runtime gives the consumer max_transcoding_jobs × profiles slots; these hold each
          // profile to max_transcoding_jobs (SPEC 2.3: the setting is per profile).
          slots: new KeyedSemaphores(() => runtime.settings.current.values.max_transcoding_jobs),
          logger: logger.child({ role: 'TRANSCODE' }),
        }),
    },
  ],
})
export class TranscodeRoleModule {}
