/**
 * Turns a notification body into something a person reads: a title and labelled fields. It
 * recognises the shapes rules and alarms send — a CloudWatch alarm state change (the SNS JSON
 * AWS sends to alarm actions, or EventBridge's "CloudWatch Alarm State Change"), a CloudTrail
 * record (bare, or inside the "AWS API Call via CloudTrail" envelope) — and falls back to the
 * JSON itself. Email and chat channels share it so both say the same thing.
 */
export interface Summary {
  title: string;
  /** `alarm` and `ok` drive colour/emoji in chat; `event` and `info` are neutral. */
  tone: 'alarm' | 'ok' | 'event' | 'info';
  fields: { label: string; value: string }[];
  /** The body in full, pretty-printed, for the end of an email. */
  detail: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

export function summarize(body: object | string, subject?: string): Summary {
  const value = typeof body === 'string' ? tryJson(body) : body;
  const detail = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  if (isObj(value)) {
    const s = summarizeAlarmSns(value) ?? summarizeAlarmEvent(value) ?? summarizeCloudTrail(value);
    if (s) return { ...s, title: subject ?? s.title, detail };
  }
  return { title: subject ?? 'OpenTrail notification', tone: 'info', fields: [], detail };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function compact(fields: { label: string; value: string | undefined }[]): { label: string; value: string }[] {
  return fields.filter((f): f is { label: string; value: string } => f.value !== undefined);
}

function toneOf(state: string | undefined): Summary['tone'] {
  return state === 'ALARM' ? 'alarm' : state === 'OK' ? 'ok' : 'info';
}

/** The JSON CloudWatch publishes to an alarm's SNS actions. */
function summarizeAlarmSns(b: Obj): Omit<Summary, 'detail'> | undefined {
  const name = str(b.AlarmName);
  const state = str(b.NewStateValue);
  if (!name || !state) return undefined;
  const trigger = isObj(b.Trigger) ? b.Trigger : {};
  return {
    title: `${state}: "${name}"${b.Region ? ` in ${String(b.Region)}` : ''}`,
    tone: toneOf(state),
    fields: compact([
      { label: 'Alarm', value: name },
      { label: 'State', value: b.OldStateValue ? `${String(b.OldStateValue)} → ${state}` : state },
      { label: 'Reason', value: str(b.NewStateReason) },
      { label: 'When', value: str(b.StateChangeTime) },
      { label: 'Account', value: str(b.AWSAccountId) },
      {
        label: 'Metric',
        value: trigger.MetricName ? `${String(trigger.Namespace ?? '')}/${String(trigger.MetricName)}` : undefined,
      },
      { label: 'Description', value: str(b.AlarmDescription) },
    ]),
  };
}

/** EventBridge's "CloudWatch Alarm State Change" event. */
function summarizeAlarmEvent(b: Obj): Omit<Summary, 'detail'> | undefined {
  if (b['detail-type'] !== 'CloudWatch Alarm State Change' || !isObj(b.detail)) return undefined;
  const d = b.detail;
  const name = str(d.alarmName) ?? '(unnamed alarm)';
  const state = isObj(d.state) ? d.state : {};
  const previous = isObj(d.previousState) ? d.previousState : {};
  const value = str(state.value);
  return {
    title: `${value ?? 'STATE CHANGE'}: "${name}"${b.region ? ` in ${String(b.region)}` : ''}`,
    tone: toneOf(value),
    fields: compact([
      { label: 'Alarm', value: name },
      { label: 'State', value: previous.value ? `${String(previous.value)} → ${value ?? '?'}` : value },
      { label: 'Reason', value: str(state.reason) },
      { label: 'When', value: str(state.timestamp) ?? str(b.time) },
      { label: 'Account', value: str(b.account) },
    ]),
  };
}

/** A CloudTrail record, bare or as the `detail` of an EventBridge envelope: who did what, when, from where. */
function summarizeCloudTrail(b: Obj): Omit<Summary, 'detail'> | undefined {
  const r = isObj(b.detail) && str(b.detail.eventName) ? b.detail : b;
  const eventName = str(r.eventName);
  const eventSource = str(r.eventSource);
  if (!eventName || !eventSource) return undefined;
  const who = describeIdentity(r.userIdentity);
  const service = eventSource.replace(/\.amazonaws\.com$/, '');
  const error = str(r.errorCode);
  return {
    title: `${who} called ${service}:${eventName}${error ? ` (failed: ${error})` : ''}`,
    tone: 'event',
    fields: compact([
      { label: 'Who', value: who },
      { label: 'What', value: `${eventSource} ${eventName}` },
      { label: 'When', value: str(r.eventTime) },
      { label: 'From', value: str(r.sourceIPAddress) },
      { label: 'Region', value: str(r.awsRegion) },
      { label: 'Account', value: str(r.recipientAccountId) ?? str(b.account) },
      { label: 'User agent', value: str(r.userAgent) },
      { label: 'Error', value: error ? `${error}${r.errorMessage ? `: ${String(r.errorMessage)}` : ''}` : undefined },
      { label: 'Event ID', value: str(r.eventID) },
    ]),
  };
}

function describeIdentity(identity: unknown): string {
  if (!isObj(identity)) return 'Someone';
  const type = str(identity.type);
  if (type === 'Root') return `root (${str(identity.accountId) ?? 'account'})`;
  const session =
    isObj(identity.sessionContext) && isObj(identity.sessionContext.sessionIssuer)
      ? identity.sessionContext.sessionIssuer
      : undefined;
  const arn = str(identity.arn);
  if (type === 'AssumedRole' && arn) return arn.slice(arn.indexOf(':assumed-role/') + 1 || 0);
  return (
    str(identity.userName) ??
    (session ? str(session.userName) : undefined) ??
    arn ??
    str(identity.invokedBy) ??
    type ??
    'Someone'
  );
}
