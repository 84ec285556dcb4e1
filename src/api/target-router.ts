/**
 * `POST /` speaks several AWS JSON protocols; X-Amz-Target says which service a call is for:
 * `AWSEvents.*` (EventBridge), `Logs_20140328.*` (CloudWatch Logs),
 * `GraniteServiceVersion20100801.*` (CloudWatch, as botocore sends it), `AWSOrganizationsV20161128.*`
 * (Organizations' reads) — anything else goes to
 * CloudTrail's dispatcher unchanged, which answers unknown targets as before.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { handleCloudTrailJson } from './cloudtrail/dispatch.js';
import { EVENTS_SERVICE } from './events/service.js';
import { handleJsonService, type JsonService } from './json-service.js';
import { LOGS_SERVICE } from './logs/service.js';
import { MONITORING_SERVICE } from './monitoring/service.js';
import { ORGANIZATIONS_SERVICE } from './organizations/service.js';

const SERVICES: readonly JsonService[] = [EVENTS_SERVICE, LOGS_SERVICE, MONITORING_SERVICE, ORGANIZATIONS_SERVICE];

export function serviceForTarget(target: string): JsonService | undefined {
  const dot = target.indexOf('.');
  const prefix = dot < 0 ? target : target.slice(0, dot);
  return SERVICES.find((s) => s.targetPrefix === prefix);
}

export function registerTargetRouter(app: FastifyInstance, ctx: AppContext): void {
  app.post('/', (req, reply) => {
    const service = serviceForTarget(String(req.headers['x-amz-target'] ?? ''));
    return service ? handleJsonService(service, req, reply, ctx) : handleCloudTrailJson(req, reply, ctx);
  });
}
