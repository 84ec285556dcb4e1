import { trailConfigShape, validateTags, validateTrailName, type Trail } from '../../../trails/model.js';
import { requestRegion } from '../../context.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { organizationForNewTrail } from './organization-trails.js';
import { checkCombination, readTrailConfig } from './trail-config.js';
import { tagsList } from './trail-params.js';
import { withTrailErrors } from './trail-shape.js';

/**
 * CreateTrail, in the region the request was signed for. A new trail does not log until
 * StartLogging (as with the API in AWS). IsOrganizationTrail is accepted from an organisation's
 * management account only; the trail then records the organisation it covers.
 */
export const createTrail: Operation = {
  name: 'CreateTrail',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const name = requiredString(input, 'Name');
      validateTrailName(name);
      requiredString(input, 'S3BucketName');
      const region = requestRegion(ctx, caller);
      const patch = readTrailConfig(input, { region, accountId: caller.accountId });
      const tags = tagsList(input, 'TagsList') ?? [];
      validateTags(tags);
      const config = {
        s3BucketName: patch.s3BucketName!,
        ...(patch.s3KeyPrefix ? { s3KeyPrefix: patch.s3KeyPrefix } : {}),
        ...(patch.snsTopicName ? { snsTopicName: patch.snsTopicName, snsTopicArn: patch.snsTopicArn! } : {}),
        ...(patch.kmsKeyId ? { kmsKeyId: patch.kmsKeyId } : {}),
        ...(patch.cloudWatchLogsLogGroupArn ? { cloudWatchLogsLogGroupArn: patch.cloudWatchLogsLogGroupArn } : {}),
        ...(patch.cloudWatchLogsRoleArn ? { cloudWatchLogsRoleArn: patch.cloudWatchLogsRoleArn } : {}),
        includeGlobalServiceEvents: patch.includeGlobalServiceEvents ?? true,
        isMultiRegionTrail: patch.isMultiRegionTrail ?? false,
        isOrganizationTrail: patch.isOrganizationTrail ?? false,
        logFileValidationEnabled: patch.logFileValidationEnabled ?? false,
      };
      checkCombination(config);
      const organizationId = config.isOrganizationTrail ? organizationForNewTrail(ctx, caller).id : undefined;
      const trail: Trail = await ctx.trails.create({
        ...config,
        ...(organizationId !== undefined ? { organizationId } : {}),
        accountId: caller.accountId,
        homeRegion: region,
        name,
        tags,
      });
      return trailConfigShape(trail);
    });
  },
};
