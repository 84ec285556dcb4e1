/**
 * The detect-and-respond CLI operations on a data directory with no server (the direct path of
 * `opentrail cis install` and `opentrail channels`): real database, real stores.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import { CIS_CONTROLS } from '../../monitor/cis-pack.js';
import { openEmbedded, type EmbeddedRuntime } from '../../cli/runtime.js';
import { cisInstall, createChannel, deleteChannel, DetectCommandError, listChannels } from './detect-routes.js';

const ACCOUNT = '123456789012';
let rt: EmbeddedRuntime | undefined;
let dir: string | undefined;
afterEach(async () => {
  await rt?.close();
  if (dir) removeDir(dir);
  rt = undefined;
});

async function open(): Promise<EmbeddedRuntime> {
  dir = tempDir();
  rt = await openEmbedded(dir, { region: 'us-east-1' });
  return rt;
}

describe('detect CLI operations', () => {
  it('creates, lists and deletes channels; a webhook gets its own connection and signing secret', async () => {
    const { detect: d } = await open();
    const hook = await createChannel(d, { accountId: ACCOUNT, name: 'hook', webhookUrl: 'http://127.0.0.1:1/x' });
    expect(hook.signingSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const chat = await createChannel(d, {
      accountId: ACCOUNT,
      name: 'chat',
      chatUrl: 'https://hooks.example.com/T/B/secret',
    });
    expect(chat.channel.arn).toBe('arn:opentrail:notify:us-east-1:123456789012:channel/chat');
    expect((await listChannels(d, ACCOUNT)).map((c) => c.name)).toEqual(['chat', 'hook']);
    await expect(
      createChannel(d, { accountId: ACCOUNT, name: 'both', webhookUrl: 'http://a', chatUrl: 'http://b' }),
    ).rejects.toThrow(/exactly one of/);
    await expect(
      createChannel(d, { accountId: ACCOUNT, name: 'hook', chatUrl: 'https://x.example/y' }),
    ).rejects.toMatchObject({
      status: 409,
    });
    await d.rules.putRule(ACCOUNT, { Name: 'r', EventPattern: '{"source":["aws.iam"]}' });
    await d.rules.putTargets(ACCOUNT, 'r', [{ Id: 't', Arn: hook.channel.arn }]);
    await expect(deleteChannel(d, ACCOUNT, 'hook')).rejects.toThrow(/target of rule\(s\) r/);
    await d.rules.removeTargets(ACCOUNT, 'r', ['t']);
    await deleteChannel(d, ACCOUNT, 'hook');
    expect(await d.notify.listConnections(ACCOUNT)).toEqual([]);
    expect((await listChannels(d, ACCOUNT)).map((c) => c.name)).toEqual(['chat']);
  });

  it('cis install creates every CIS filter and alarm notifying the channel; re-running updates, not duplicates', async () => {
    const { detect: d } = await open();
    const hook = await createChannel(d, { accountId: ACCOUNT, name: 'hook', webhookUrl: 'http://127.0.0.1:1/x' });
    await expect(
      cisInstall(d, { accountId: ACCOUNT, channelArn: 'arn:opentrail:notify:us-east-1:123456789012:channel/none' }),
    ).rejects.toBeInstanceOf(DetectCommandError);
    const r = await cisInstall(d, { accountId: ACCOUNT, channelArn: hook.channel.arn });
    expect(r.filters).toHaveLength(CIS_CONTROLS.length);
    await cisInstall(d, { accountId: ACCOUNT, channelArn: hook.channel.arn });
    const alarms = await d.alarms.describe(ACCOUNT);
    expect(alarms).toHaveLength(CIS_CONTROLS.length);
    expect(alarms.every((a) => a.AlarmActions.length === 1 && a.AlarmActions[0] === hook.channel.arn)).toBe(true);
    expect(await d.filters.listAll(ACCOUNT)).toHaveLength(CIS_CONTROLS.length);
  });
});
