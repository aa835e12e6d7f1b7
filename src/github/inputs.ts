import * as core from '@actions/core';
import { UserError } from '../util/errors.js';

/**
 * Typed access to action inputs, following the project's conventions: ids are kebab-case, lists
 * are newline-separated and also accept commas, pairs are `key=value` lines (values may contain
 * `=`), booleans are `true`/`false`.
 */
export interface Inputs {
  string(name: string): string | undefined;
  required(name: string): string;
  list(name: string): string[] | undefined;
  pairs(name: string): Record<string, string>;
  boolean(name: string, fallback: boolean): boolean;
  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  /** Reads a secret and masks it in the log before anything else can print it. */
  secret(name: string): string | undefined;
}

export type InputSource = (name: string) => string;

/** Splits a list input on newlines and commas; drops blanks and `#` comment lines. */
export function splitList(value: string): string[] {
  return value
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Parses `key=value` lines (and comma-free pairs on one line each); values may contain `=`. */
export function parsePairs(name: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new UserError(
        `input ${name}: "${line}" is not key=value; write one key=value pair per line`,
        name,
      );
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

export function createInputs(source: InputSource = (n) => core.getInput(n)): Inputs {
  const string = (name: string): string | undefined => {
    const v = source(name).trim();
    return v === '' ? undefined : v;
  };
  return {
    string,
    required(name) {
      const v = string(name);
      if (v === undefined) throw new UserError(`input ${name} is required; set it in with:`, name);
      return v;
    },
    list(name) {
      const v = string(name);
      return v === undefined ? undefined : splitList(v);
    },
    pairs(name) {
      const v = string(name);
      return v === undefined ? {} : parsePairs(name, v);
    },
    boolean(name, fallback) {
      const v = string(name);
      if (v === undefined) return fallback;
      const lower = v.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw new UserError(`input ${name} must be true or false, got "${v}"`, name);
    },
    choice(name, allowed, fallback) {
      const v = string(name);
      if (v === undefined) return fallback;
      const hit = allowed.find((a) => a === v.toLowerCase());
      if (hit === undefined) {
        throw new UserError(`input ${name} must be one of ${allowed.join(', ')}, got "${v}"`, name);
      }
      return hit;
    },
    secret(name) {
      const v = source(name);
      if (v !== '') core.setSecret(v);
      const trimmed = v.trim();
      return trimmed === '' ? undefined : trimmed;
    },
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** `1GiB`, `500MB`, `1048576` → bytes, for size inputs such as pull's `max-size`. */
export function parseSize(text: string, input = 'max-size'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UserError(
      `input ${input} "${text}" is not a size; use bytes or a unit like 500MiB or 2GiB`,
      input,
    );
  }
  return Math.floor(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations (`90s`, `10m`, `1h30m`, `500ms`; a bare number is seconds) → ms. */
export function parseDuration(text: string, input = 'timeout'): number {
  const t = text.trim();
  let ms = 0;
  if (/^\d+(?:\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(t)) {
    for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
      ms += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1000);
  } else ms = Number.NaN;
  if (!Number.isFinite(ms) || ms < 1000) {
    throw new UserError(
      `input ${input} "${text}" is not a duration of at least 1s; use a value like 90s, 10m or 1h`,
      input,
    );
  }
  return Math.round(ms);
}
