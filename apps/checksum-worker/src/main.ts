import { runNode } from '@portico/platform';
import { ChecksumWorkerAppModule } from './app.module';

void runNode({ app: 'checksum-worker', root: (platform) => ChecksumWorkerAppModule.forRoot(platform) });
