/**
 * A trail's `CloudWatchLogsLogGroupArn` feeds a named log group with what the trail selects
 * (issue 5, item 2): this router tells the monitor which groups an event lands in — the
 * account's built-in group always, plus the group of every trail of the account that is logging,
 * covers the event's region (home region, or all for a multi-region trail; global service events
 * only when it includes them) and whose selectors
 * select it. Kept in memory and reloaded on every trail change, because the router is asked
 * synchronously for each event. PutMetricFilter accepts those groups too (`exists`).
 */
import type { CloudTrailRecord } from '../event/types.js';
import { builtInLogGroupName, type LogGroupExists, type LogGroupRouter } from '../monitor/log-groups.js';
import type { Matcher } from '../patterns/index.js';
import { coversRegion } from '../trails/event-scope.js';
import type { Trail } from '../trails/model.js';
import type { TrailRepository } from '../trails/repository.js';
import { compileTrailSelectors } from '../trails/selectors/index.js';

interface Feed {
  group: string;
  /** The trail, for its region and global-service settings (coversRegion). */
  trail: Trail;
  selects: Matcher<CloudTrailRecord>;
}

const GROUP_ARN = /^arn:[^:]+:logs:[^:]*:\d{12}:log-group:([^:]+)(?::\*)?$/;

export function logGroupNameOf(arn: string): string | undefined {
  return GROUP_ARN.exec(arn)?.[1];
}

export class TrailLogGroups {
  private feeds = new Map<string, Feed[]>();
  private loading: Promise<void> = Promise.resolve();

  private constructor(private readonly trails: TrailRepository) {}

  static async open(trails: TrailRepository): Promise<TrailLogGroups> {
    const t = new TrailLogGroups(trails);
    await t.reload();
    trails.onChange(() => {
      t.loading = t.loading.then(() => t.reload()).catch(() => undefined);
    });
    return t;
  }

  /** Resolves once every trail change seen so far is reflected. */
  settled(): Promise<void> {
    return this.loading;
  }

  private async reload(): Promise<void> {
    const next = new Map<string, Feed[]>();
    for (const trail of await this.trails.listAll()) {
      const group = trail.cloudWatchLogsLogGroupArn && logGroupNameOf(trail.cloudWatchLogsLogGroupArn);
      if (!group) continue;
      if (!(await this.trails.status(trail.trailArn)).isLogging) continue;
      let list = next.get(trail.accountId);
      if (!list) next.set(trail.accountId, (list = []));
      list.push({
        group,
        trail,
        selects: compileTrailSelectors(trail.selectors),
      });
    }
    this.feeds = next;
  }

  readonly route: LogGroupRouter = (accountId, record) => {
    const groups = [builtInLogGroupName(accountId)];
    for (const f of this.feeds.get(accountId) ?? []) {
      // The trail's region scope as delivery applies it: home region or all, global service events only when included.
      if (!coversRegion(f.trail, record)) continue;
      if (!groups.includes(f.group) && f.selects.matches(record)) groups.push(f.group);
    }
    return groups;
  };

  /** A trail's group exists while a trail of the account names it (logging or not). */
  readonly exists: LogGroupExists = async (accountId, name) => {
    if (name === builtInLogGroupName(accountId)) return true;
    const trails = await this.trails.listAccount(accountId);
    return trails.some((t) => t.cloudWatchLogsLogGroupArn && logGroupNameOf(t.cloudWatchLogsLogGroupArn) === name);
  };
}
