import {strict as assert} from 'node:assert'
import {existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {ClusterInfo} from '../../src/cluster/snapshots.js'

import {addressingNote} from '../../src/backfill/addressing.js'
import {backfillReader, proveBackfillRead} from '../../src/backfill/check.js'
import {
  acceptedVersions,
  BACKFILL_RELEASES,
  chooseRelease,
  NEWEST_KNOWN_RELEASE,
  readerFor,
} from '../../src/backfill/readers.js'
import {backfillRelease, consoleRelease} from '../../src/backfill/release.js'
import {CheckFailure, diagnose} from '../../src/diagnose/index.js'
import {readBackSnapshot} from '../../src/snapshot-format/read-back.js'
import {DirectoryBlobStore} from '../../src/store/blobs.js'
import {localFixture} from '../helpers/paths.js'

const engines = localFixture('engines')

/** The source each fixture was captured from: its folder is named <distribution>-<version>. */
function sourceOf(folder: string): ClusterInfo {
  const [, distribution, version] = /^(elasticsearch|opensearch)-(\d+\.\d+\.\d+)/.exec(folder)!
  return {distribution: distribution as ClusterInfo['distribution'], major: Number(version.split('.')[0]), version}
}

const withShards = readdirSync(engines).filter((version) => existsSync(path.join(engines, version, 'shard')))
const release336 = chooseRelease('3.3.6', 'test')

async function prove(directory: string, kind: 'fs' | 's3', version: string, chosen = release336) {
  const store = new DirectoryBlobStore(directory)
  const read = await readBackSnapshot(store, '', 'snap-1')
  const reader = backfillReader(chosen, sourceOf(version))
  return {detail: await proveBackfillRead(store, {basePath: '', kind}, {chosen, reader}, read), read, reader}
}

describe('the backfill of each Migration Assistant release, as data', () => {
  it('3.3.6 picks the reader its registry picks for every captured source version', () => {
    const expected: Record<string, string> = {
      'elasticsearch-5.6.16-shaped': 'SnapshotReader_ES_6_8',
      'elasticsearch-6.8.23': 'SnapshotReader_ES_6_8',
      'elasticsearch-7.10.2': 'SnapshotReader_ES_7_10',
      'elasticsearch-7.17.25': 'SnapshotReader_ES_7_10',
      'elasticsearch-8.19.0': 'SnapshotReader_ES_7_10',
      'opensearch-1.3.20': 'SnapshotReader_ES_7_10',
      'opensearch-2.19.3': 'SnapshotReader_ES_7_10',
      'opensearch-3.6.0': 'SnapshotReader_ES_9_0',
    }
    for (const version of readdirSync(engines))
      assert.equal(readerFor(release336.entry, sourceOf(version))?.name, expected[version], version)
    assert.equal(
      readerFor(release336.entry, {distribution: 'elasticsearch', version: '7.8.1'})?.name,
      'SnapshotReader_ES_6_8',
    )
    assert.equal(
      readerFor(release336.entry, {distribution: 'elasticsearch', version: '7.9.0'})?.name,
      'SnapshotReader_ES_7_10',
    )
    assert.equal(readerFor(release336.entry, {distribution: 'opensearch', version: '4.0.0'}), undefined)
  })

  it('a release before 3.2.0 has no reader for OpenSearch 3.x: the cluster step fails naming the release and what it reads', () => {
    const chosen = chooseRelease('3.1.1', '--backfill-version')
    assert.throws(
      () => backfillReader(chosen, sourceOf('opensearch-3.6.0')),
      (error: CheckFailure) => {
        assert.equal(error.check, 'backfill-version-unsupported')
        assert.match(error.message, /Migration Assistant 3\.1\.1 has no snapshot reader for opensearch 3\.6\.0/)
        assert.match(error.message, /OpenSearch 2\.x/)
        assert.doesNotMatch(acceptedVersions(chosen.entry), /OpenSearch 3/)
        assert.match(diagnose(error).remediation, /--backfill-version/)
        return true
      },
    )
    assert.equal(backfillReader(chosen, sourceOf('opensearch-2.19.3')).name, 'SnapshotReader_ES_7_10')
  })

  it('an unknown or missing release is read as the newest known one, and says so', () => {
    assert.equal(chooseRelease('Migration Assistant 3.3.6', 'x').release, '3.3.6')
    const future = chooseRelease('3.9.0', '/home/u/VERSION')
    assert.equal(future.release, NEWEST_KNOWN_RELEASE)
    assert.match(
      future.said,
      /"3\.9\.0" \(\/home\/u\/VERSION\), a release verify does not model: read as the newest release verify knows, Migration Assistant 3\.3\.6/,
    )
    assert.equal(chooseRelease(undefined, 'no file').release, NEWEST_KNOWN_RELEASE)
    assert.equal(BACKFILL_RELEASES.flatMap((entry) => entry.releases).at(-1), '3.3.6')
  })

  it('reads ~/VERSION as the console does: the first non-blank line, stripped; --backfill-version wins', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'backfill-home-'))
    try {
      assert.equal(consoleRelease(home), undefined)
      assert.match(backfillRelease(undefined, home).said, /VERSION missing or empty/)
      writeFileSync(path.join(home, 'VERSION'), '\n  \n  3.2.1  \n3.3.6\n')
      assert.equal(consoleRelease(home), '3.2.1')
      assert.equal(backfillRelease(undefined, home).release, '3.2.1')
      assert.equal(backfillRelease('3.3.6', home).release, '3.3.6')
      assert.match(backfillRelease('3.3.6', home).said, /--backfill-version/)
    } finally {
      rmSync(home, {force: true, recursive: true})
    }
  })

  it("says where the backfill's virtual-hosted addressing differs from verify's path-style read, and whether that name resolves", async () => {
    const {entry} = release336
    const never = () => Promise.reject(new Error('ENOTFOUND'))
    assert.equal(
      await addressingNote(entry, 'snapshots', undefined, never),
      undefined,
      'AWS itself: the same addressing',
    )
    assert.equal(
      await addressingNote(entry, 'snapshots', 'http://127.0.0.1:9000', never),
      undefined,
      'an IP: path-style',
    )
    assert.equal(
      await addressingNote(entry, 'my.snapshots', 'https://s3.internal', never),
      undefined,
      'no DNS label: path-style',
    )
    assert.match(
      (await addressingNote(entry, 'snapshots', 'https://minio.internal:9000', never))!,
      /as snapshots\.minio\.internal .*does not resolve here.*MINIO_DOMAIN/,
    )
    assert.match((await addressingNote(entry, 'snapshots', 'minio.internal', async () => ({})))!, /resolves here/)
  })

  for (const version of withShards)
    describe(`${version}: the keys 3.3.6 reads`, () => {
      const directory = path.join(engines, version, 'shard', 'uncompressed')

      it('on a shared filesystem it finds every key it reads', async () => {
        const {detail} = await prove(directory, 'fs', version)
        assert.match(detail, /finds all \d+ key\(s\) it reads/)
      })

      it('on S3 it reads <base>/indices/<id>/<shard>/: found where the layout is fixed, missing (and named) where it is hashed', async () => {
        const store = new DirectoryBlobStore(directory)
        const read = await readBackSnapshot(store, '', 'snap-1')
        const hashed = read.shards.some((shard) => shard.source.startsWith('snapshot_shard_paths/'))
        const fixedKey = `indices/${read.shards[0].indexId}/0/snap-${read.snapshotUuid}.dat`
        // The truth beside the prediction: is the shard's metadata really at the backfill's S3 path?
        assert.equal(existsSync(path.join(directory, fixedKey)), !hashed)
        if (!hashed) {
          assert.match((await prove(directory, 's3', version)).detail, /finds all/)
          return
        }

        await assert.rejects(prove(directory, 's3', version), (error: CheckFailure) => {
          assert.equal(error.check, 'backfill-path-missing')
          assert.equal(error.details.key, fixedKey)
          assert.match(error.message, /Migration Assistant 3\.3\.6 backfill \(SnapshotReader_ES_9_0, S3\) looks for/)
          assert.match(error.message, /named in snapshot_shard_paths\/snapshot_path_/)
          assert.equal(error.details.layoutDirectory, read.shards[0].directory)
          const {remediation} = diagnose(error, {basePath: 'mig', bucket: 'b', region: 'eu-west-1'})
          assert.match(remediation, /"shard_path_type":"FIXED"/)
          assert.match(remediation, /`console snapshot create` registers its repository again before every snapshot/)
          return true
        })
      })
    })

  it('OpenSearch 3.6 with shard_path_type FIXED: the S3 backfill finds every key; HASHED_INFIX: it does not', async () => {
    const layouts = path.join(engines, 'opensearch-3.6.0', 'shard-layouts')
    assert.match((await prove(path.join(layouts, 'FIXED'), 's3', 'opensearch-3.6.0')).detail, /finds all/)
    await assert.rejects(
      prove(path.join(layouts, 'HASHED_INFIX'), 's3', 'opensearch-3.6.0'),
      /looks for .*indices\/[^/]+\/0\/snap-/,
    )
    assert.match((await prove(path.join(layouts, 'HASHED_INFIX'), 'fs', 'opensearch-3.6.0')).detail, /finds all/)
  })
})
