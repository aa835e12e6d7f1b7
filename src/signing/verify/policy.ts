// The copied-signature policy on its own: the input readers need it without loading the verifier
// (sigstore-js, TUF) on every start.

/** What to do with a `.sig` that verifies but names another digest: Flux accepts it. */
export type CopiedSignaturePolicy = 'fail' | 'warn';
export const COPIED_SIGNATURE_POLICIES: readonly CopiedSignaturePolicy[] = ['fail', 'warn'];
