/**
 * Metric filters belong to a log group, as in CloudWatch Logs. Every account has one built-in
 * group that holds all of its events, so filters (the CIS pack among them) work without a trail;
 * a trail's `CloudWatchLogsLogGroupArn` will later feed a named group with what the trail
 * selects. The built-in name follows the console's default for CloudTrail log groups
 * (`aws-cloudtrail-logs-<account>-<suffix>`) without the random suffix, so it is predictable.
 */
import type { CloudTrailRecord } from '../event/types.js';

export const BUILT_IN_LOG_GROUP_PREFIX = 'aws-cloudtrail-logs-';

export function builtInLogGroupName(accountId: string): string {
  return BUILT_IN_LOG_GROUP_PREFIX + accountId;
}

export function logGroupArn(region: string, accountId: string, logGroupName: string): string {
  return `arn:aws:logs:${region}:${accountId}:log-group:${logGroupName}:*`;
}

/** Which log groups of its account an event lands in. */
export type LogGroupRouter = (accountId: string, record: CloudTrailRecord) => readonly string[];

/** Until trails feed named groups: every event is in its account's built-in group, and only there. */
export const builtInGroupOnly: LogGroupRouter = (accountId) => [builtInLogGroupName(accountId)];

/** Whether a log group exists for an account (PutMetricFilter refuses unknown groups). */
export type LogGroupExists = (accountId: string, logGroupName: string) => boolean | Promise<boolean>;

export const builtInGroupExists: LogGroupExists = (accountId, name) => name === builtInLogGroupName(accountId);
