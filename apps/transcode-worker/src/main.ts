import { runNode } from '@portico/platform';
import { TranscodeWorkerAppModule } from './app.module';

void runNode({ app: 'transcode-worker', root: (platform) => TranscodeWorkerAppModule.forRoot(platform) });
