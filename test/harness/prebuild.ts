// Builds the Go programs of ours that tests otherwise build on first use (the referrers registry;
// the Flux verifiers are built by scripts/install-tools.sh), so .ci/run reports their build time
// as its own phase and no test pays a cold Go build. Usage: node --import tsx test/harness/prebuild.ts
import { buildGoRegistry } from './registry.js';

const started = Date.now();
console.log(`oci-test-registry: ${buildGoRegistry()}`);
console.log(`prebuilt in ${Math.round((Date.now() - started) / 1000)} s`);
