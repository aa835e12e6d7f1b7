/**
 * The OCIRepository CustomResourceDefinition as source-controller publishes it (its module's
 * config/crd/bases, fetched with `go mod download`), and a structural check of an object against
 * its `source.toolkit.fluxcd.io/v1` openAPIV3Schema: what the API server (and `kubectl apply`,
 * whose field validation is strict) would refuse — unknown fields, wrong types, missing required
 * fields, enums, patterns. CEL rules (x-kubernetes-validations) are not evaluated.
 *
 *   const schema = await ociRepositorySchema();
 *   assert.deepEqual(validateObject(obj, schema), []);
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { pins } from './tools.js';

const run = promisify(execFile);

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** `spec.versions[name=v1].schema.openAPIV3Schema` of source-controller's OCIRepository CRD. */
export async function ociRepositorySchema(): Promise<Schema> {
  const version = pins().SOURCE_CONTROLLER_CRD_VERSION;
  if (!version) throw new Error('SOURCE_CONTROLLER_CRD_VERSION missing from test/tools/pins.env');
  const { stdout } = await run(
    'go',
    ['mod', 'download', '-json', `github.com/fluxcd/source-controller@${version}`],
    { cwd: tmpdir(), env: { ...process.env, GOFLAGS: '-mod=mod' }, timeout: 300_000 },
  );
  const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const crd = parse(
    await readFile(
      join(dir, 'config', 'crd', 'bases', 'source.toolkit.fluxcd.io_ocirepositories.yaml'),
      'utf8',
    ),
  ) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  if (!v1) throw new Error(`no v1 in the OCIRepository CRD of source-controller ${version}`);
  return v1.schema.openAPIV3Schema;
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Problems the API server would report for `value` against `schema`; [] when it would accept. */
export function validateObject(value: unknown, schema: Schema, path = ''): string[] {
  const at = path || '<root>';
  if (path === '.metadata') {
    const m = value as { name?: unknown; namespace?: unknown };
    const errs: string[] = [];
    if (typeof m?.name !== 'string' || !DNS1123.test(m.name) || m.name.length > 63)
      errs.push(`${at}.name: ${JSON.stringify(m?.name)} is not an RFC 1123 name`);
    if (
      m?.namespace !== undefined &&
      (typeof m.namespace !== 'string' || !DNS1123.test(m.namespace))
    )
      errs.push(`${at}.namespace: ${JSON.stringify(m.namespace)} is not an RFC 1123 name`);
    return errs;
  }
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'string' || Number.isInteger(value) ? [] : [`${at}: not int-or-string`];
  }
  const errs: string[] = [];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${at}: expected an object, got ${JSON.stringify(value)}`];
      const obj = value as Record<string, unknown>;
      for (const r of schema.required ?? [])
        if (!(r in obj)) errs.push(`${at}: required field ${r} missing`);
      for (const [k, v] of Object.entries(obj)) {
        const sub = schema.properties?.[k];
        if (sub) errs.push(...validateObject(v, sub, `${path}.${k}`));
        else if (typeof schema.additionalProperties === 'object')
          errs.push(...validateObject(v, schema.additionalProperties, `${path}.${k}`));
        else if (!schema['x-kubernetes-preserve-unknown-fields'])
          errs.push(`${path}.${k}: unknown field`);
      }
      return errs;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected a list, got ${JSON.stringify(value)}`];
      return value.flatMap((v, i) =>
        schema.items ? validateObject(v, schema.items, `${path}[${i}]`) : [],
      );
    case 'string':
      if (typeof value !== 'string')
        return [`${at}: expected a string, got ${JSON.stringify(value)}`];
      if (schema.pattern && !new RegExp(schema.pattern).test(value))
        errs.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        errs.push(`${at}: longer than ${schema.maxLength}`);
      if (schema.minLength !== undefined && value.length < schema.minLength)
        errs.push(`${at}: shorter than ${schema.minLength}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [`${at}: expected an integer`];
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${at}: expected a boolean`];
      break;
  }
  if (schema.enum && !schema.enum.includes(value))
    errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  return errs;
}
