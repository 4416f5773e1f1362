import { runNode } from '@portico/platform';
import { CoordinatorAppModule } from './app.module';

void runNode({ app: 'coordinator', root: (platform) => CoordinatorAppModule.forRoot(platform) });
