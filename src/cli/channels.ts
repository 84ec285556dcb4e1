/**
 * `opentrail channels create|list|delete`: notification channels (webhooks, chat incoming
 * webhooks, email) that rules and alarms name by ARN.
 */
import { Option, type Command } from 'commander';
import {
  createChannel,
  deleteChannel,
  listChannels,
  type CreateChannelRequest,
  type CreatedChannel,
} from '../api/control/detect-routes.js';
import { DEFAULT_DATA_DIR, DEFAULT_REGION } from '../config/defaults.js';
import type { ChannelDefinition } from '../notify/index.js';
import { withDetect, type DetectTarget } from './detect-target.js';
import { renderTable } from './table.js';

export function runCreateChannel(
  opts: DetectTarget & Omit<CreateChannelRequest, 'accountId'>,
): Promise<CreatedChannel> {
  const { dataDir: _d, region: _r, account: _a, ...req } = opts;
  return withDetect(
    opts,
    (c, accountId) => c.call<CreatedChannel>('POST', '/internal/channels', { ...req, accountId }),
    (d, accountId) => createChannel(d, { ...req, accountId }),
  );
}

export function runListChannels(opts: DetectTarget): Promise<ChannelDefinition[]> {
  return withDetect(
    opts,
    async (c, accountId) =>
      (await c.call<{ channels: ChannelDefinition[] }>('GET', `/internal/channels?accountId=${accountId}`)).channels,
    (d, accountId) => listChannels(d, accountId),
  );
}

export function runDeleteChannel(opts: DetectTarget & { name: string }): Promise<ChannelDefinition> {
  return withDetect(
    opts,
    (c, accountId) =>
      c.call<ChannelDefinition>('DELETE', `/internal/channels/${encodeURIComponent(opts.name)}?accountId=${accountId}`),
    (d, accountId) => deleteChannel(d, accountId, opts.name),
  );
}

function endpointOf(c: ChannelDefinition): string {
  switch (c.config.kind) {
    case 'webhook':
      return c.config.invocationEndpoint;
    case 'chat':
      return c.config.webhookUrl;
    case 'email':
      return c.config.to.join(', ');
  }
}

const common = (cmd: Command) =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'data directory').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--region <region>', 'region').default(process.env.AWS_REGION ?? DEFAULT_REGION))
    .option('--account <id>', 'account (default: the first account)')
    .option('--json', 'print JSON', false);

export function registerChannelsCommand(program: Command): void {
  const channels = program.command('channels').description('notification channels for rules and alarms');
  common(
    channels
      .command('create')
      .description('create a webhook, chat or email channel; prints its ARN (and a webhook’s signing secret)')
      .argument('<name>', 'channel name ([.-_A-Za-z0-9], 1–64)')
      .option('--webhook <url>', 'JSON POST to this URL, signed with X-OpenTrail-Signature')
      .option('--signing-secret <secret>', 'the webhook’s HMAC secret (default: generated)')
      .option('--chat <url>', 'Slack-compatible incoming-webhook URL')
      .option('--email-to <addresses>', 'comma-separated recipients (email)')
      .option('--email-from <address>', 'sender (email)')
      .option('--smtp-host <host>', 'SMTP server (email)')
      .option('--smtp-port <port>', 'SMTP port (email; default 587)')
      .option('--description <text>', 'description'),
  ).action(async (name: string, o) => {
    const email =
      o.emailTo !== undefined
        ? {
            to: String(o.emailTo)
              .split(',')
              .map((s: string) => s.trim()),
            from: String(o.emailFrom ?? ''),
            smtpHost: String(o.smtpHost ?? ''),
            ...(o.smtpPort !== undefined ? { smtpPort: Number(o.smtpPort) } : {}),
          }
        : undefined;
    const r = await runCreateChannel({
      dataDir: o.dataDir,
      region: o.region,
      ...(o.account ? { account: o.account } : {}),
      name,
      ...(o.description ? { description: o.description } : {}),
      ...(o.webhook ? { webhookUrl: o.webhook } : {}),
      ...(o.signingSecret ? { signingSecret: o.signingSecret } : {}),
      ...(o.chat ? { chatUrl: o.chat } : {}),
      ...(email ? { email } : {}),
    });
    if (o.json) {
      process.stdout.write(JSON.stringify({ arn: r.channel.arn, signingSecret: r.signingSecret }, null, 2) + '\n');
      return;
    }
    process.stdout.write(`${r.channel.arn}\n`);
    if (r.signingSecret)
      process.stdout.write(`signing secret (verify X-OpenTrail-Signature with it): ${r.signingSecret}\n`);
  });
  common(channels.command('list').description('list the account’s channels')).action(async (o) => {
    const list = await runListChannels({
      dataDir: o.dataDir,
      region: o.region,
      ...(o.account ? { account: o.account } : {}),
    });
    if (o.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    else
      process.stdout.write(
        renderTable(
          ['NAME', 'KIND', 'ENDPOINT', 'ARN'],
          list.map((c) => [c.name, c.config.kind, endpointOf(c), c.arn]),
        ) + '\n',
      );
  });
  common(
    channels
      .command('delete')
      .description('delete a channel (not while a rule targets it)')
      .argument('<name>', 'name or ARN'),
  ).action(async (name: string, o) => {
    const c = await runDeleteChannel({
      dataDir: o.dataDir,
      region: o.region,
      name,
      ...(o.account ? { account: o.account } : {}),
    });
    process.stdout.write(o.json ? JSON.stringify(c, null, 2) + '\n' : `deleted ${c.arn}\n`);
  });
}
