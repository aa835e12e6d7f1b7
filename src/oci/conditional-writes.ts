// What was learnt of each registry's conditional writes (docs/signature-merge.md, step 2): does it
// honour If-Match on manifest PUT? Probed once per registry host by a PUT whose If-Match cannot
// match (a 412 says yes), remembered for the process.

/** Per registry host: does it honour If-Match on manifest PUT? Absent = not probed yet. */
const conditionalWrites = new Map<string, boolean>();

export function conditionalWriteSupport(registry: string): boolean | undefined {
  return conditionalWrites.get(registry);
}

export function rememberConditionalWrites(registry: string, honoured: boolean): void {
  conditionalWrites.set(registry, honoured);
}

/** Tests only: forget what was learnt about registries. */
export function forgetConditionalWriteSupport(): void {
  conditionalWrites.clear();
}

/** An If-Match value no registry can have issued (quoted, so it parses as an entity tag). */
export const PROBE_ETAG = '"flux-oci-action-conditional-write-probe"';
