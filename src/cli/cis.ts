/**
 * `opentrail cis install`: the CIS AWS Foundations Benchmark's CloudTrail metric filters and
 * alarms (src/monitor/cis-pack.ts) in one account, notifying a channel when an alarm fires.
 */
import { Option, type Command } from 'commander';
import { cisInstall, type CisInstallResult } from '../api/control/detect-routes.js';
import { DEFAULT_DATA_DIR, DEFAULT_REGION } from '../config/defaults.js';
import { withDetect, type DetectTarget } from './detect-target.js';

export async function runCisInstall(
  opts: DetectTarget & { channel?: string; logGroup?: string },
): Promise<CisInstallResult> {
  return withDetect(
    opts,
    (c, accountId) =>
      c.call<CisInstallResult>('POST', '/internal/cis/install', {
        accountId,
        ...(opts.channel !== undefined ? { channelArn: opts.channel } : {}),
        ...(opts.logGroup !== undefined ? { logGroupName: opts.logGroup } : {}),
      }),
    (d, accountId) =>
      cisInstall(d, {
        accountId,
        ...(opts.channel !== undefined ? { channelArn: opts.channel } : {}),
        ...(opts.logGroup !== undefined ? { logGroupName: opts.logGroup } : {}),
      }),
  );
}

export function registerCisCommand(program: Command): void {
  const cis = program.command('cis').description('the CIS AWS Foundations Benchmark monitoring pack');
  cis
    .command('install')
    .description('create the CIS CloudTrail metric filters and alarms (re-running updates them)')
    .addOption(new Option('--data-dir <dir>', 'data directory').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--region <region>', 'region').default(process.env.AWS_REGION ?? DEFAULT_REGION))
    .option('--account <id>', 'account (default: the first account)')
    .option('--channel <arn>', 'notification channel the alarms notify (see `opentrail channels create`)')
    .option('--log-group <name>', 'log group the filters watch (default: the account’s built-in group)')
    .option('--json', 'print the result as JSON', false)
    .action(async (o) => {
      const r = await runCisInstall({
        dataDir: o.dataDir,
        region: o.region,
        ...(o.account ? { account: o.account } : {}),
        ...(o.channel ? { channel: o.channel } : {}),
        ...(o.logGroup ? { logGroup: o.logGroup } : {}),
      });
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const to = r.alarmActions.length
          ? `, notifying ${r.alarmActions.join(', ')}`
          : ' (no channel: alarms notify nobody)';
        process.stdout.write(
          `Installed ${r.filters.length} CIS metric filters and ${r.alarms.length} alarms in account ${r.accountId}${to}.\n`,
        );
      }
    });
}
