/**
 * Where a trail's bucket lives is server configuration (issue 4): by default the folder
 * `<data-dir>/buckets/<bucket>/`; with `--s3-endpoint URL` that bucket on that S3 service.
 * Code above the Sink interface asks for a bucket's sink here and never knows which it got.
 */
import { DirectorySink } from './directory/directory-sink.js';
import { S3Sink, type S3SinkOptions } from './s3/s3-sink.js';
import type { Sink } from './sink.js';

export type SinkSettings =
  | {
      type: 'directory';
      /** The folder holding one folder per bucket, e.g. `<data-dir>/buckets`. */
      root: string;
      durable?: boolean;
    }
  | ({ type: 's3' } & Omit<S3SinkOptions, 'bucket' | 'client'>);

/** A sink for `bucket` (the name is checked against S3's rules either way). */
export function openSink(settings: SinkSettings, bucket: string): Sink {
  if (settings.type === 'directory') {
    return new DirectorySink({
      root: settings.root,
      bucket,
      ...(settings.durable !== undefined ? { durable: settings.durable } : {}),
    });
  }
  const { type: _type, ...options } = settings;
  return new S3Sink({ ...options, bucket });
}
