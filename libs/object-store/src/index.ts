export {
  LOCAL_S3_SCRIPT,
  startLocalS3,
  type LocalS3,
  type LocalS3Options,
} from './local-s3/local-s3.adapter';
