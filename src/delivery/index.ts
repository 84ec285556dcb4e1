/** The delivery module's public API (DESIGN §2): sinks, object keys, the log file writer. */
export * from './sink.js';
export { checkBucketName, bucketNameProblem } from './bucket-name.js';
export { checkObjectKey, objectKeyProblem, compareKeys, MAX_KEY_BYTES } from './object-rules.js';
export { DirectorySink, type DirectorySinkOptions } from './directory/directory-sink.js';
export { S3Sink, type S3SinkOptions } from './s3/s3-sink.js';
export { openSink, type SinkSettings } from './open-sink.js';
export * from './object-keys.js';
export * from './log-file.js';
