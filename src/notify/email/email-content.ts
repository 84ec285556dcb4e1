import type { NotificationMessage } from '../channel.js';
import { summarize } from '../format.js';

/** Subject, plain text and a simple HTML alternative for one notification. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(message: NotificationMessage, subjectPrefix?: string): EmailContent {
  const s = summarize(message.body, message.subject);
  // A header must be one line; a rule- or user-supplied subject could carry a newline.
  const subject = oneLine(`${subjectPrefix ? `${subjectPrefix} ` : ''}${s.title}`).slice(0, 250);
  const width = Math.max(0, ...s.fields.map((f) => f.label.length));
  const text = [
    s.title,
    '',
    ...s.fields.map((f) => `${`${f.label}:`.padEnd(width + 2)}${f.value}`),
    ...(s.fields.length ? [''] : []),
    'Full notification:',
    s.detail,
    '',
    `-- OpenTrail, notification ${message.id}`,
  ].join('\n');
  const rows = s.fields.map(
    (f) => `<tr><th align="left" style="padding:2px 12px 2px 0">${esc(f.label)}</th><td>${esc(f.value)}</td></tr>`,
  );
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${esc(s.title)}</h2>`,
    rows.length ? `<table>${rows.join('')}</table>` : '',
    `<h3>Full notification</h3><pre style="background:#f4f4f4;padding:8px">${esc(s.detail)}</pre>`,
    `<p style="color:#888">OpenTrail, notification ${esc(message.id)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
