export { MainRoleModule } from './main-role.module';
