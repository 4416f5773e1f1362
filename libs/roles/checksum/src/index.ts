export { ChecksumRoleModule } from './checksum-role.module';
export { transcodeProfilesFor } from './transcode-plan';
