import pkg from '../../package.json' with { type: 'json' };

/** Sent as User-Agent to registries. */
export const USER_AGENT = `flux-oci-action/${pkg.version}`;
