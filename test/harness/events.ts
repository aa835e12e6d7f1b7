// Event payload fixtures (test/fixtures/events): the payload file and the runner's variables.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './tools.js';

export const EVENTS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'events');

/** The variables the runner sets for a fixture (its .env file), plus GITHUB_EVENT_PATH. */
export function fixtureEnv(name: string): Record<string, string> {
  const env: Record<string, string> = { GITHUB_EVENT_PATH: join(EVENTS_DIR, `${name}.json`) };
  for (const line of readFileSync(join(EVENTS_DIR, `${name}.env`), 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** The parsed payload of a fixture. */
export function fixturePayload(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENTS_DIR, `${name}.json`), 'utf8'));
}
