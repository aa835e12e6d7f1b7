// copyArtifact between real registries: when the destination already carries its own signatures,
// the copy merges the `.sig` image and adds the bundle referrers instead of replacing them, so both
// signers verify (Flux rules); a repeated copy uploads nothing; large blobs go through a temp file.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/oci/client.js';
import { parseRepository } from '../../src/oci/reference.js';
import { copyArtifact } from '../../src/pipeline/copy.js';
import { signArtifact } from '../../src/signing/attach.js';
import { readSignatureLayers } from '../../src/signing/cosign-v2.js';
import { encryptCosignKey, KeySigner } from '../../src/signing/key.js';
import { cosignSignatureTag } from '../../src/signing/types.js';
import { verifyArtifact } from '../../src/signing/verify/index.js';
import { pushTestArtifact } from '../harness/artifacts.js';
import { startRegistry, type TestRegistry } from '../harness/registry.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function keySigner() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return KeySigner.fromPEM(await encryptCosignKey(privateKey, 'pw'), 'pw');
}

describe('copyArtifact with signatures', () => {
  let plain: TestRegistry;
  let withApi: TestRegistry;
  let tmp: string;
  before(async () => {
    [plain, withApi] = await Promise.all([startRegistry(), startRegistry({ referrers: true })]);
    tmp = mkdtempSync(join(tmpdir(), 'copy-tmp-'));
  });
  after(async () => {
    await plain?.stop();
    await withApi?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const [name, fromReg, toReg] of [
    ['fallback → referrers API', () => plain, () => withApi],
    ['referrers API → fallback', () => withApi, () => plain],
  ] as const) {
    it(`${name}: merges into signatures already at the destination`, async () => {
      const id = Math.random().toString(36).slice(2, 8);
      const from = new RegistryClient(parseRepository(`${fromReg().host}/src/${id}`));
      const to = new RegistryClient(parseRepository(`${toReg().host}/dst/${id}`));
      const { digest } = await pushTestArtifact(from, { layer: Buffer.from(`content ${id}`) });
      const a = await keySigner();
      const b = await keySigner();
      await signArtifact({ client: from, digest, format: 'both', signer: a });
      // The destination already has the artifact, signed by someone else.
      await pushTestArtifact(to, { layer: Buffer.from(`content ${id}`) });
      await signArtifact({ client: to, digest, format: 'both', signer: b });

      const result = await copyArtifact(from, to, digest, { tmpDir: tmp });
      assert.equal(result.digest, digest);
      assert.equal(result.blobs.copied > 0, true, 'the source signature blobs were copied');
      assert.equal(result.referrers.length, 1);
      const sig = await readSignatureLayers(to, cosignSignatureTag(digest));
      assert.equal(sig.layers.length, 2, 'both .sig layers are kept');
      assert.equal((await to.listReferrers(digest)).length, 2, 'both bundles are listed');
      for (const signer of [a, b]) {
        const v = await verifyArtifact({ client: to, digest, publicKey: signer.publicKeyPEM() });
        assert.equal(v.verified, true, v.reason);
      }

      const again = await copyArtifact(from, to, digest, { tmpDir: tmp });
      assert.equal(again.blobs.copied, 0, 'nothing uploaded twice');
      const sig2 = await readSignatureLayers(to, cosignSignatureTag(digest));
      assert.equal(sig2.digest, sig.digest, '.sig unchanged on a repeated copy');
      assert.equal((await to.listReferrers(digest)).length, 2);
    });
  }

  it('copies a blob larger than the in-memory limit through a temp file, then removes it', async () => {
    const from = new RegistryClient(parseRepository(`${plain.host}/src/large`));
    const to = new RegistryClient(parseRepository(`${withApi.host}/dst/large`));
    const layer = Buffer.alloc(33 * 1024 * 1024, 7);
    layer.write('unique header', 0);
    const { digest, bytes: manifest } = await pushTestArtifact(from, { layer });
    const result = await copyArtifact(from, to, digest, { tmpDir: tmp });
    // The Go registry shares blobs across repositories: the config may already be there.
    assert.equal(result.blobs.copied + result.blobs.skipped, 2);
    assert.ok(result.blobs.copied >= 1, 'the large layer was uploaded');
    assert.equal(result.sigImage, undefined, 'unsigned: no .sig');
    assert.deepEqual((await to.getManifest(digest)).bytes, manifest);
    assert.equal(await to.blobExists(sha(layer)), true);
    assert.deepEqual(readdirSync(tmp), [], 'temp files removed');
  });
});
