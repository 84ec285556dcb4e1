/**
 * The CIS AWS Foundations Benchmark's CloudTrail metric filters and alarms (spec §7.5; section
 * numbers of benchmark v1.4+, where they are 4.1–4.15; v1.2 numbered them 3.1–3.14). The
 * patterns are the strings published in public CIS automation, kept byte for byte because
 * compliance checkers compare them (after stripping whitespace). Each alarm is the benchmark's:
 * Sum of a metric of value 1, Period 300 s, 1 evaluation period, >= 1. Missing data is treated
 * as not breaching, so an alarm that fired returns to OK once the five minutes pass instead of
 * sitting in INSUFFICIENT_DATA (the benchmark leaves this open).
 */
import type { PutMetricAlarmInput } from './alarms.js';
import { builtInLogGroupName } from './log-groups.js';
import type { PutMetricFilterInput } from './metric-filters.js';

export const CIS_NAMESPACE = 'CISBenchmark';

export interface CisControl {
  /** Benchmark section (v1.4+ numbering). */
  control: string;
  /** Filter name, metric name and (prefixed) alarm name. */
  name: string;
  description: string;
  /** The classic (v1.2) pattern, installed by default. */
  pattern: string;
  /** The stricter pattern of later benchmark versions, where one exists. */
  newerPattern?: string;
}

export const CIS_CONTROLS: readonly CisControl[] = [
  {
    control: '4.1',
    name: 'UnauthorizedAPICalls',
    description: 'Unauthorized API calls',
    pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    newerPattern:
      '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket")) }',
  },
  {
    control: '4.2',
    name: 'ConsoleSigninWithoutMFA',
    description: 'Management console sign-in without MFA',
    pattern: '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    newerPattern:
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
  },
  {
    control: '4.3',
    name: 'RootAccountUsage',
    description: 'Usage of the root account',
    pattern:
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
  },
  {
    control: '4.4',
    name: 'IAMPolicyChanges',
    description: 'IAM policy changes',
    pattern:
      '{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}',
  },
  {
    control: '4.5',
    name: 'CloudTrailConfigChanges',
    description: 'CloudTrail configuration changes',
    pattern:
      '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }',
  },
  {
    control: '4.6',
    name: 'ConsoleAuthenticationFailures',
    description: 'Management console authentication failures',
    pattern: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
  },
  {
    control: '4.7',
    name: 'DisableOrDeleteCMK',
    description: 'Disabling or scheduled deletion of customer-managed KMS keys',
    pattern: '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}',
  },
  {
    control: '4.8',
    name: 'S3BucketPolicyChanges',
    description: 'S3 bucket policy changes',
    pattern:
      '{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }',
  },
  {
    control: '4.9',
    name: 'AWSConfigChanges',
    description: 'AWS Config configuration changes',
    pattern:
      '{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}',
  },
  {
    control: '4.10',
    name: 'SecurityGroupChanges',
    description: 'Security group changes',
    pattern:
      '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }',
  },
  {
    control: '4.11',
    name: 'NACLChanges',
    description: 'Network access control list (NACL) changes',
    pattern:
      '{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }',
  },
  {
    control: '4.12',
    name: 'NetworkGatewayChanges',
    description: 'Network gateway changes',
    pattern:
      '{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }',
  },
  {
    control: '4.13',
    name: 'RouteTableChanges',
    description: 'Route table changes',
    pattern:
      '{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }',
  },
  {
    control: '4.14',
    name: 'VPCChanges',
    description: 'VPC changes',
    pattern:
      '{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }',
  },
  {
    control: '4.15',
    name: 'OrganizationsChanges',
    description: 'AWS Organizations changes',
    pattern:
      '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }',
  },
];

export interface CisInstallOptions {
  /** The log group the filters watch; default the account's built-in group (all its events). */
  logGroupName?: string;
  namespace?: string;
  /** ARNs notified when an alarm fires (a notification channel). */
  alarmActions?: string[];
  okActions?: string[];
  /** Use the later benchmark versions' stricter patterns where there are any. */
  newerPatterns?: boolean;
  /** Prefix of the alarm names; default `CIS-`. */
  alarmNamePrefix?: string;
}

export interface CisInstallPlan {
  filters: PutMetricFilterInput[];
  alarms: PutMetricAlarmInput[];
}

/** The PutMetricFilter and PutMetricAlarm requests that install the pack in one account. */
export function cisInstallPlan(accountId: string, options: CisInstallOptions = {}): CisInstallPlan {
  const logGroupName = options.logGroupName ?? builtInLogGroupName(accountId);
  const namespace = options.namespace ?? CIS_NAMESPACE;
  const prefix = options.alarmNamePrefix ?? 'CIS-';
  return {
    filters: CIS_CONTROLS.map((c) => ({
      logGroupName,
      filterName: c.name,
      filterPattern: (options.newerPatterns && c.newerPattern) || c.pattern,
      metricTransformations: [{ metricName: c.name, metricNamespace: namespace, metricValue: '1' }],
    })),
    alarms: CIS_CONTROLS.map((c) => ({
      AlarmName: `${prefix}${c.control}-${c.name}`,
      AlarmDescription: `CIS ${c.control}: ${c.description}`,
      MetricName: c.name,
      Namespace: namespace,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: options.alarmActions ?? [],
      OKActions: options.okActions ?? [],
    })),
  };
}
