import type { NotificationMessage } from '../channel.js';
import { summarize } from '../format.js';

/**
 * A Slack incoming-webhook payload: `text` is the fallback shown in notifications and by
 * clients without Block Kit; `blocks` lay out the summary. Slack's limits are applied here
 * (header 150 characters, 10 fields of 2,000, section text 3,000) so a long reason or JSON
 * body is cut rather than refused with a 400.
 */
export interface SlackPayload {
  text: string;
  blocks: object[];
}

const EMOJI = { alarm: ':rotating_light:', ok: ':white_check_mark:', event: ':mag:', info: ':bell:' } as const;

export function slackPayload(message: NotificationMessage): SlackPayload {
  const s = summarize(message.body, message.subject);
  const title = `${EMOJI[s.tone]} ${s.title}`;
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: cut(title, 150), emoji: true } }];
  if (s.fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: s.fields
        .slice(0, 10)
        .map((f) => ({ type: 'mrkdwn', text: cut(`*${escape(f.label)}*\n${escape(f.value)}`, 2000) })),
    });
  } else {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut('```' + s.detail + '```', 3000) } });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: cut(`OpenTrail · notification ${escape(message.id)}`, 2000) }],
  });
  return { text: cut(s.title, 3000), blocks };
}

/** Slack's mrkdwn treats &, < and > as control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
