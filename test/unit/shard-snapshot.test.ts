/* eslint-disable no-bitwise -- binary formats: bit fields, zigzag and VInt decoding, and bytes flipped on purpose */
import {strict as assert} from 'node:assert'
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {InterruptedError} from '../../src/errors.js'
import {
  BlobFormatError,
  checksumText,
  LuceneFileCheck,
  luceneFooterChecksum,
  readChecksumBlob,
} from '../../src/snapshot-format/blob-format.js'
import {readBackSnapshot, ShardReadError} from '../../src/snapshot-format/read-back.js'
import {readRepositoryIndex} from '../../src/snapshot-format/repository-index.js'
import {isInlineFile, parseShardSnapshot, partNames} from '../../src/snapshot-format/shard-snapshot.js'
import {decodeSmile} from '../../src/snapshot-format/smile.js'
import {DirectoryBlobStore} from '../../src/store/blobs.js'
import {localFixture} from '../helpers/paths.js'

/**
 * The shard level of real snapshots (one index of three documents, snapshot snap-1) that every
 * version of the matrix wrote, with `compress: false` and `compress: true` (captured by
 * CAPTURE_FIXTURES=1 scripts/matrix into test/fixtures/engines/<version>/shard/).
 */
const root = localFixture('engines')
const versions = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'shard')))

function filesUnder(directory: string, relative = ''): string[] {
  return readdirSync(path.join(directory, relative), {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(directory, path.join(relative, entry.name))
      : [path.join(relative, entry.name).split(path.sep).join('/')],
  )
}

const shardSnapshots = (directory: string) =>
  filesUnder(directory).filter((file) => /(^|\/)indices\/[^/]+\/\d+\/snap-[^/]+\.dat$/.test(file))

function scratchCopy(from: string): string {
  const copy = mkdtempSync(path.join(tmpdir(), 'shard-fixture-'))
  cpSync(from, copy, {recursive: true})
  return copy
}

describe('shard-level readers on each version’s real snapshot files', () => {
  it('has captured files of every matrix version', () => {
    for (const version of [
      'elasticsearch-6.8.23',
      'elasticsearch-7.10.2',
      'elasticsearch-7.17.25',
      'elasticsearch-8.19.0',
      'opensearch-1.3.20',
      'opensearch-2.19.3',
      'opensearch-3.6.0',
    ])
      assert.ok(versions.includes(version), `${version} has no shard/ fixtures`)
  })

  for (const version of versions)
    for (const variant of ['uncompressed', 'compressed'] as const) {
      const directory = path.join(root, version, 'shard', variant)
      describe(`${version}, ${variant}`, () => {
        it('reads every shard snapshot: its codec, its compression, and Lucene checksums of its files', () => {
          const snaps = shardSnapshots(directory)
          assert.ok(snaps.length > 0, 'no shard snapshot captured')
          for (const key of snaps) {
            const bytes = readFileSync(path.join(directory, key))
            const blob = readChecksumBlob(bytes, key)
            assert.equal(blob.codec, 'snapshot')
            // Elasticsearch 6.x compresses the root's metadata only, never the shard level's.
            assert.equal(blob.compressed, variant === 'compressed' && !version.startsWith('elasticsearch-6.'))
            const shard = parseShardSnapshot(bytes, key)
            assert.equal(shard.snapshot, 'snap-1')
            assert.ok(shard.files.length > 0)
            assert.ok(shard.files.some((file) => file.physicalName.startsWith('segments_')))
            for (const file of shard.files) {
              assert.match(file.checksum, /^[0-9a-z]+$/)
              if (isInlineFile(file)) assert.equal(file.metaHash?.length, file.length)
              else {
                // The blob is the Lucene file byte for byte; its footer holds the recorded checksum.
                const content = readFileSync(path.join(directory, path.dirname(key), partNames(file)[0]))
                assert.equal(content.length, file.length)
                assert.equal(checksumText(luceneFooterChecksum(content) as number), file.checksum)
              }
            }
          }
        })

        it('reads the root snapshot metadata, compressed as the repository says', () => {
          const rootSnap = readdirSync(directory).find((file) => /^snap-.*\.dat$/.test(file))!
          const blob = readChecksumBlob(readFileSync(path.join(directory, rootSnap)), rootSnap, 'snapshot')
          assert.equal(blob.compressed, variant === 'compressed')
          assert.equal((decodeSmile(blob.body) as {snapshot: {name: string}}).snapshot.name, 'snap-1')
        })

        it('reads back the whole snapshot the way the backfill does', async () => {
          const result = await readBackSnapshot(new DirectoryBlobStore(directory), '', 'snap-1', {concurrency: 2})
          const blobs = filesUnder(directory).filter((file) => /\/__[^/]+$/.test(file))
          assert.equal(result.files, blobs.length, 'every __ blob is one file of the snapshot')
          assert.equal(
            result.bytes,
            blobs.reduce((sum, file) => sum + readFileSync(path.join(directory, file)).length, 0),
          )
          const index = await readRepositoryIndex(new DirectoryBlobStore(directory), '')
          const hashed = Object.values(index!.indices).some((entry) => entry.shard_path_type)
          for (const shard of result.shards) {
            if (hashed) {
              assert.match(shard.source, /^snapshot_shard_paths\/snapshot_path_/)
              assert.match(shard.directory, /^[A-Za-z0-9_-][01]{14}\/indices\//)
            } else assert.equal(shard.directory, `indices/${index!.indices['matrix-books'].id}/${shard.shard}/`)
          }
        })
      })
    }

  describe('OpenSearch 3.6 shard_path_type HASHED_INFIX and FIXED (two shards each)', () => {
    const layouts = path.join(root, 'opensearch-3.6.0', 'shard-layouts')

    it('HASHED_INFIX: each shard under its own hash below the repository, found through snapshot_shard_paths/', async () => {
      const result = await readBackSnapshot(new DirectoryBlobStore(path.join(layouts, 'HASHED_INFIX')), '', 'snap-1')
      assert.equal(result.shards.length, 2)
      for (const shard of result.shards) {
        assert.match(shard.directory, new RegExp(`^[A-Za-z0-9_-][01]{14}/indices/[^/]+/${shard.shard}/$`))
        assert.match(shard.source, /^snapshot_shard_paths\/snapshot_path_[^.]+\.[^.]+\.2\.2\.1$/)
      }

      assert.notEqual(result.shards[0].directory.split('/')[0], result.shards[1].directory.split('/')[0])
    })

    it('FIXED (the remedy for a base_path-only policy): indices/<id>/<shard>/ under the base path', async () => {
      const result = await readBackSnapshot(new DirectoryBlobStore(path.join(layouts, 'FIXED')), '', 'snap-1')
      assert.deepEqual(
        result.shards.map((shard) => shard.source),
        ['the fixed layout', 'the fixed layout'],
      )
      assert.ok(result.files > 0)
    })

    it("checks each shard's index-<gen>, also a generation whose uuid starts with an underscore", async () => {
      const copy = scratchCopy(path.join(layouts, 'FIXED'))
      try {
        const index = await readRepositoryIndex(new DirectoryBlobStore(copy), '')
        const entry = index!.indices['wt16-layout-books']
        const shard = entry.shard_generations!.findIndex((generation) => generation?.startsWith('_'))
        assert.ok(shard !== -1, 'the fixture has such a generation')
        const key = `indices/${entry.id}/${shard}/index-${entry.shard_generations![shard]}`
        rmSync(path.join(copy, key))
        await assert.rejects(readBackSnapshot(new DirectoryBlobStore(copy), '', 'snap-1'), (error: ShardReadError) => {
          assert.equal(error.kind, 'missing')
          assert.equal(error.key, key)
          return true
        })
      } finally {
        rmSync(copy, {force: true, recursive: true})
      }
    })
  })

  describe('what a damaged repository fails with', () => {
    const source = path.join(root, 'opensearch-3.6.0', 'shard', 'uncompressed')
    let copy: string

    beforeEach(() => {
      copy = scratchCopy(source)
    })

    afterEach(() => rmSync(copy, {force: true, recursive: true}))
    const largestBlob = () =>
      filesUnder(copy)
        .filter((file) => /\/__[^/]+$/.test(file))
        .sort((a, b) => readFileSync(path.join(copy, b)).length - readFileSync(path.join(copy, a)).length)[0]

    it('one byte changed in a shard file: corrupt, naming the file', async () => {
      const victim = largestBlob()
      const bytes = readFileSync(path.join(copy, victim))
      bytes[Math.floor(bytes.length / 2)] ^= 0x01
      writeFileSync(path.join(copy, victim), bytes)
      await assert.rejects(readBackSnapshot(new DirectoryBlobStore(copy), '', 'snap-1'), (error: ShardReadError) => {
        assert.equal(error.kind, 'corrupt')
        assert.equal(error.key, victim)
        assert.match(error.message, /adds up to checksum .*, its footer says/)
        return true
      })
    })

    it('a shard file cut short: its length is not the recorded one', async () => {
      const victim = largestBlob()
      truncateSync(path.join(copy, victim), 100)
      await assert.rejects(readBackSnapshot(new DirectoryBlobStore(copy), '', 'snap-1'), (error: ShardReadError) => {
        assert.equal(error.key, victim)
        assert.match(error.message, /100 bytes, the shard metadata records \d+/)
        return true
      })
    })

    it('a shard file gone: missing, naming it', async () => {
      const victim = largestBlob()
      rmSync(path.join(copy, victim))
      await assert.rejects(readBackSnapshot(new DirectoryBlobStore(copy), '', 'snap-1'), (error: ShardReadError) => {
        assert.equal(error.kind, 'missing')
        assert.equal(error.key, victim)
        return true
      })
    })

    it('a changed byte in the shard metadata: its own footer checksum fails', async () => {
      const [snap] = shardSnapshots(copy)
      const bytes = readFileSync(path.join(copy, snap))
      bytes[40] ^= 0x01
      writeFileSync(path.join(copy, snap), bytes)
      assert.throws(() => readChecksumBlob(bytes, snap), BlobFormatError)
      await assert.rejects(readBackSnapshot(new DirectoryBlobStore(copy), '', 'snap-1'), (error: ShardReadError) => {
        assert.equal(error.kind, 'corrupt')
        assert.equal(error.key, snap)
        assert.match(error.message, /checksum mismatch/)
        return true
      })
    })
  })

  it('an interrupted read-back ends with an interrupt, never with a partial pass', async () => {
    const directory = path.join(root, 'opensearch-3.6.0', 'shard', 'uncompressed')
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(
      readBackSnapshot(new DirectoryBlobStore(directory), '', 'snap-1', {signal: controller.signal}),
      InterruptedError,
    )
  })

  it('checks a streamed file the same in any chunk size as at once', () => {
    const directory = path.join(root, 'elasticsearch-7.10.2', 'shard', 'uncompressed')
    const blob = filesUnder(directory).find((file) => /\/__[^/]+$/.test(file))!
    const content = readFileSync(path.join(directory, blob))
    for (const size of [1, 7, 16, 17, 4096, content.length]) {
      const check = new LuceneFileCheck()
      for (let offset = 0; offset < content.length; offset += size)
        check.update(content.subarray(offset, offset + size))
      const {computed, footer} = check.finish()
      assert.equal(check.length, content.length)
      assert.equal(computed, footer, `chunks of ${size}`)
    }
  })

  it('names the parts of a file longer than its part size', () => {
    const file = {checksum: 'x', length: 25, name: '__a', partSize: 10, physicalName: '_0.cfs'}
    assert.deepEqual(partNames(file), ['__a.part0', '__a.part1', '__a.part2'])
    assert.deepEqual(partNames({...file, partSize: 25}), ['__a'])
    assert.deepEqual(partNames({...file, partSize: undefined}), ['__a'])
  })
})
