import * as core from '@actions/core';

/** Markdown helpers for job summaries; every value is escaped for table cells. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

export function details(title: string, body: string): string {
  return `<details><summary>${title}</summary>\n\n${body}\n</details>\n`;
}

/** Appends markdown to the job summary unless the `summary` input turned it off. */
export async function writeSummary(enabled: boolean, markdown: string): Promise<void> {
  if (!enabled || !process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
