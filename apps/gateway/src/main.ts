import { runNode } from '@portico/platform';
import { GatewayAppModule } from './app.module';

void runNode({ app: 'gateway', root: (platform, config) => GatewayAppModule.forRoot(platform, config) });
