/**
 * Detect and respond end to end: a real `opentrail serve`, a real HTTP receiver on 127.0.0.1,
 * the CLI (`opentrail channels create`, `opentrail cis install`, through the control socket) and
 * the AWS SDKs. An event matching a rule reaches the webhook once, signed; after `cis install`,
 * a StopLogging call (recorded by the self-audit) raises the CloudTrail-changes alarm, and the
 * webhook receives the alarm notification in CloudWatch's SNS shape.
 */
import { execFile } from 'node:child_process';
import {
  CloudTrailClient,
  CreateTrailCommand,
  LookupEventsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../src/notify/test-support/http-receiver.js';
import { verifySignature } from '../src/notify/webhook/signature.js';
import { BIN, removeDir, startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;
const dataDirs: string[] = [];
let receiver: HttpReceiver;
/** What the receiver does with each request (the loop test makes it call the API back). */
let onRequest: () => void = () => undefined;

function opentrail(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args, '--data-dir', server.dataDir],
      { encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`opentrail ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout),
    );
  });
}

beforeAll(async () => {
  receiver = await startHttpReceiver(() => {
    onRequest();
    return { status: 200 };
  });
  server = await startServer();
  dataDirs.push(server.dataDir);
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  for (const d of dataDirs) removeDir(d);
});

describe('detect and respond', () => {
  it('a rule delivers a matching event once, signed; cis install turns StopLogging into an alarm notification', async () => {
    const creds = { accessKeyId: server.admin.accessKeyId, secretAccessKey: server.admin.secretAccessKey };
    const config = { endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
    const ct = new CloudTrailClient(config);
    const eb = new EventBridgeClient(config);
    await ct.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'audit-logs' }));
    await ct.send(new StartLoggingCommand({ Name: 'main' }));

    const created = JSON.parse(
      await opentrail('channels', 'create', 'security-hook', '--webhook', `${receiver.url}/alerts`, '--json'),
    ) as {
      arn: string;
      signingSecret: string;
    };
    expect(created.arn).toMatch(/^arn:aws:events:us-east-1:\d{12}:api-destination\/security-hook\//);
    expect(await opentrail('channels', 'list')).toContain('security-hook');
    await eb.send(
      new PutRuleCommand({
        Name: 'trail-stopped',
        EventPattern: JSON.stringify({ source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } }),
      }),
    );
    await eb.send(new PutTargetsCommand({ Rule: 'trail-stopped', Targets: [{ Id: 'hook', Arn: created.arn }] }));
    expect(await opentrail('cis', 'install', '--channel', created.arn)).toMatch(
      /^Installed 1\d CIS metric filters and 1\d alarms/,
    );

    await ct.send(new StopLoggingCommand({ Name: 'main' }));
    await receiver.waitFor(2);
    // Anything else that was going to arrive has had time to.
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(2);

    for (const req of receiver.received) {
      expect(req.url).toBe('/alerts');
      expect(verifySignature(created.signingSecret, String(req.headers['x-opentrail-signature']), req.body).valid).toBe(
        true,
      );
    }
    const bodies = receiver.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const ruleEvent = bodies.find((b) => b['detail-type'] === 'AWS API Call via CloudTrail');
    expect(ruleEvent).toMatchObject({
      source: 'aws.cloudtrail',
      account: server.admin.accountId,
      detail: {
        eventName: 'StopLogging',
        eventSource: 'cloudtrail.amazonaws.com',
        requestParameters: { name: 'main' },
      },
    });
    const alarm = bodies.find((b) => 'AlarmName' in b);
    expect(alarm).toMatchObject({
      NewStateValue: 'ALARM',
      AWSAccountId: server.admin.accountId,
      Trigger: { Namespace: 'CISBenchmark', Statistic: 'SUM', Threshold: 1 },
    });
    expect(String(alarm!.AlarmName)).toMatch(/CloudTrail/);
    expect(String(alarm!.NewStateReason)).toMatch(/^Threshold Crossed: 1 datapoint \[1\.0 /);
    // SIGTERM stops the consumers and the dispatcher before the database closes.
    expect(await server.stop()).toBe(0);
  });

  it('pauses a rule whose webhook keeps calling the API back, and records that', async () => {
    server = await startServer();
    dataDirs.push(server.dataDir);
    const before = receiver.received.length;
    const creds = { accessKeyId: server.admin.accessKeyId, secretAccessKey: server.admin.secretAccessKey };
    const config = { endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
    const ct = new CloudTrailClient(config);
    const eb = new EventBridgeClient(config);
    await ct.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'audit-logs' }));
    const { arn } = JSON.parse(
      await opentrail('channels', 'create', 'echo', '--webhook', `${receiver.url}/echo`, '--json'),
    ) as {
      arn: string;
    };
    await eb.send(
      new PutRuleCommand({
        Name: 'echo-trail',
        EventPattern: JSON.stringify({ source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } }),
      }),
    );
    await eb.send(new PutTargetsCommand({ Rule: 'echo-trail', Targets: [{ Id: 'echo', Arn: arn }] }));
    // The receiver reacts to every delivery by calling StopLogging again: a loop through our API.
    onRequest = () => void ct.send(new StopLoggingCommand({ Name: 'main' })).catch(() => undefined);
    await ct.send(new StopLoggingCommand({ Name: 'main' }));
    let rule = await eb.send(new DescribeRuleCommand({ Name: 'echo-trail' }));
    while (rule.State !== 'DISABLED') {
      await new Promise((r) => setTimeout(r, 200));
      rule = await eb.send(new DescribeRuleCommand({ Name: 'echo-trail' }));
    }
    onRequest = () => undefined;
    // Every match up to the threshold was delivered; none after the pause.
    await receiver.waitFor(before + 20);
    let reported: Record<string, unknown> | undefined;
    while (!reported) {
      const out = await ct.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'RulePausedByLoopProtection' }],
        }),
      );
      const e = out.Events?.[0];
      if (e) reported = JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>;
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(reported).toMatchObject({
      eventSource: 'events.amazonaws.com',
      eventType: 'AwsServiceEvent',
      recipientAccountId: server.admin.accountId,
      serviceEventDetails: {
        ruleName: 'echo-trail',
        matches: 20,
        actor: `arn:aws:iam::${server.admin.accountId}:user/admin`,
      },
    });
    expect(receiver.received.length - before).toBe(20);
    // EnableRule resumes it.
    await eb.send(new EnableRuleCommand({ Name: 'echo-trail' }));
    expect((await eb.send(new DescribeRuleCommand({ Name: 'echo-trail' }))).State).toBe('ENABLED');
    expect(await server.stop()).toBe(0);
  });
});
