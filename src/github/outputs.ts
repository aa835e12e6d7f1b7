import * as core from '@actions/core';

export type OutputValue = string | number | boolean | string[] | undefined;

/**
 * Sets every output (lists as newline-separated text) and a `json` output holding all of them
 * with their natural JSON types. Undefined values are omitted from both.
 */
export function setOutputs(values: Record<string, OutputValue>, extraJson: object = {}): void {
  const json: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    json[name] = value;
    core.setOutput(name, Array.isArray(value) ? value.join('\n') : String(value));
  }
  core.setOutput('json', JSON.stringify({ ...json, ...extraJson }));
}
