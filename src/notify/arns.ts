/**
 * ARNs of notification resources. Webhooks are EventBridge API destinations and keep AWS's ARNs,
 * so rule targets written for AWS name them unchanged; email and chat channels have no AWS
 * counterpart and get ARNs in our own partition (`opentrail`), documented in README.md.
 *
 *   arn:aws:events:<region>:<account>:connection/<name>/<uuid>
 *   arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>
 *   arn:opentrail:notify:<region>:<account>:channel/<name>
 */

/** AWS's pattern for connection and API-destination names. */
export const RESOURCE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';

export type NotifyArn =
  | { type: 'connection'; region: string; accountId: string; name: string; uuid: string }
  | { type: 'api-destination'; region: string; accountId: string; name: string; uuid: string }
  | { type: 'channel'; region: string; accountId: string; name: string };

const EVENTS_ARN = new RegExp(
  `^arn:aws:events:(${REGION}):(\\d{12}):(connection|api-destination)/([.\\-_A-Za-z0-9]{1,64})/([0-9a-f-]{36})$`,
);
const CHANNEL_ARN = new RegExp(`^arn:opentrail:notify:(${REGION}):(\\d{12}):channel/([.\\-_A-Za-z0-9]{1,64})$`);

export function connectionArn(region: string, accountId: string, name: string, uuid: string): string {
  return `arn:aws:events:${region}:${accountId}:connection/${name}/${uuid}`;
}

export function apiDestinationArn(region: string, accountId: string, name: string, uuid: string): string {
  return `arn:aws:events:${region}:${accountId}:api-destination/${name}/${uuid}`;
}

export function channelArn(region: string, accountId: string, name: string): string {
  return `arn:opentrail:notify:${region}:${accountId}:channel/${name}`;
}

/** Parses any of the three ARN forms; undefined when `arn` is none of them. */
export function parseNotifyArn(arn: string): NotifyArn | undefined {
  const e = EVENTS_ARN.exec(arn);
  if (e) {
    const type = e[3] as 'connection' | 'api-destination';
    return { type, region: e[1]!, accountId: e[2]!, name: e[4]!, uuid: e[5]! };
  }
  const c = CHANNEL_ARN.exec(arn);
  if (c) return { type: 'channel', region: c[1]!, accountId: c[2]!, name: c[3]! };
  return undefined;
}

/** True for an ARN that names something a notification can be sent to. */
export function isDeliverableArn(arn: string): boolean {
  const p = parseNotifyArn(arn);
  return p !== undefined && p.type !== 'connection';
}
