import { describe, expect, it } from 'vitest';
import { summarize } from './format.js';
import {
  alarmSnsMessage,
  alarmStateChangeEvent,
  stopLoggingEnvelope,
  stopLoggingRecord,
} from './test-support/samples.js';

const field = (s: ReturnType<typeof summarize>, label: string) => s.fields.find((f) => f.label === label)?.value;

describe('summarize', () => {
  it('says who did what, when and from where for a CloudTrail event, bare or in its EventBridge envelope', () => {
    for (const body of [stopLoggingRecord, stopLoggingEnvelope]) {
      const s = summarize(body);
      expect(s.title).toBe('alice called cloudtrail:StopLogging');
      expect(s.tone).toBe('event');
      expect(field(s, 'Who')).toBe('alice');
      expect(field(s, 'What')).toBe('cloudtrail.amazonaws.com StopLogging');
      expect(field(s, 'When')).toBe('2026-11-30T09:15:02Z');
      expect(field(s, 'From')).toBe('203.0.113.9');
      expect(field(s, 'Region')).toBe('eu-west-1');
      expect(field(s, 'Error')).toBeUndefined();
    }
  });

  it('names roles, root and failures', () => {
    const role = summarize({
      ...stopLoggingRecord,
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/Admin/bob' },
      errorCode: 'AccessDenied',
      errorMessage: 'not allowed',
    });
    expect(role.title).toBe('assumed-role/Admin/bob called cloudtrail:StopLogging (failed: AccessDenied)');
    expect(field(role, 'Error')).toBe('AccessDenied: not allowed');
    expect(summarize({ ...stopLoggingRecord, userIdentity: { type: 'Root', accountId: '123456789012' } }).title).toBe(
      'root (123456789012) called cloudtrail:StopLogging',
    );
  });

  it('reads the SNS alarm notification CloudWatch sends', () => {
    const s = summarize(alarmSnsMessage);
    expect(s.title).toBe('ALARM: "CloudTrailChanges" in EU (Ireland)');
    expect(s.tone).toBe('alarm');
    expect(field(s, 'State')).toBe('OK → ALARM');
    expect(field(s, 'Reason')).toContain('Threshold Crossed');
    expect(field(s, 'Metric')).toBe('CISBenchmark/CloudTrailEventCount');
  });

  it("reads EventBridge's CloudWatch Alarm State Change event", () => {
    const s = summarize(alarmStateChangeEvent);
    expect(s.title).toBe('OK: "RootUsage" in eu-west-1');
    expect(s.tone).toBe('ok');
    expect(field(s, 'State')).toBe('ALARM → OK');
  });

  it('falls back to the JSON or the text itself, and a given subject wins', () => {
    expect(summarize({ anything: 1 })).toEqual({
      title: 'OpenTrail notification',
      tone: 'info',
      fields: [],
      detail: '{\n  "anything": 1\n}',
    });
    expect(summarize('plain words', 'Custom')).toEqual({
      title: 'Custom',
      tone: 'info',
      fields: [],
      detail: 'plain words',
    });
    expect(summarize(JSON.stringify(alarmSnsMessage)).tone).toBe('alarm');
  });
});
