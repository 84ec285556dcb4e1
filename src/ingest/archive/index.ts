/** Reading CloudTrail archives for `opentrail import` — see README.md in this folder. */
export {
  classifyPath,
  parseAwsLogsPath,
  describeOtherReason,
  type ArchiveKind,
  type ArchiveLayout,
  type AwsLogsLocation,
  type CloudTrailCategory,
  type OtherReason,
  type PathClassification,
} from './layout.js';
export {
  decodeArchiveFile,
  decodeArchiveFileAsync,
  isGzip,
  NOT_CLOUDTRAIL_MESSAGE,
  type DecodeOptions,
  type DecodeResult,
  type RecordsFormat,
} from './decode.js';
export { expandSources, isS3Url, type ArchiveFile, type SourceEntry, type SourceOptions } from './sources.js';
export { createS3Client, parseS3Url, resolveS3Settings, type ResolvedS3Settings, type S3SourceOptions } from './s3.js';
export {
  addToTally,
  createTally,
  exitStatusOf,
  planArchives,
  readArchiveFile,
  readArchives,
  type ArchiveDecoder,
  type ArchiveItem,
  type ArchivePlan,
  type ArchiveTally,
  type FailureStage,
  type ReadOptions,
  type SkipReason,
} from './reader.js';
