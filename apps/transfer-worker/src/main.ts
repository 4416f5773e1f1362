import { runNode } from '@portico/platform';
import { TransferWorkerAppModule } from './app.module';

void runNode({ app: 'transfer-worker', root: (platform) => TransferWorkerAppModule.forRoot(platform) });
