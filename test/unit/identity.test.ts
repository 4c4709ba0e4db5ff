import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Journal} from '../../src/journal.js'
import {DirectoryBlobStore} from '../../src/storage/blobs.js'
import {failedTargets} from '../../src/storage/delete-batch.js'
import {FsRepositoryFiles} from '../../src/storage/fs-files.js'
import {normaliseEndpoint, overlapOf, resolveFsLocation, s3Identity} from '../../src/storage/identity.js'
import {readRepositoryIndex} from '../../src/storage/layout.js'
import {ownershipAmong, repositoryKeyPrefix} from '../../src/storage/ownership.js'
import {verifyEntryProblem} from '../../src/verify/journal.js'

describe('issue 19: deleting only what was asked', () => {
  describe('one identity per location', () => {
    // OpenSearch's BlobPath: the base path as one element, one "/" added unless it ends with one.
    const prefixes: [string, string][] = [
      ['', ''],
      ['trail', 'trail/'],
      ['trail/', 'trail/'],
      ['/data', '/data/'],
      ['a//b', 'a//b/'],
      ['A00000000000000/logs', 'A00000000000000/logs/'],
    ]
    for (const [basePath, prefix] of prefixes)
      it(`base path "${basePath}" is the key prefix "${prefix}"`, () =>
        assert.equal(repositoryKeyPrefix(basePath), prefix))

    const endpoints: [string | undefined, string | undefined][] = [
      ['http://h:9000', 'http://h:9000'],
      ['http://h:9000/', 'http://h:9000'],
      ['HTTP://H:9000//', 'http://h:9000'],
      ['https://s3.amazonaws.com:443/', 'https://s3.amazonaws.com'],
      ['s3.us-east-1.amazonaws.com', 'https://s3.us-east-1.amazonaws.com'],
      [undefined, undefined],
    ]
    for (const [endpoint, normalised] of endpoints)
      it(`endpoint ${endpoint} is ${normalised}`, () => assert.equal(normaliseEndpoint(endpoint), normalised))

    it('one bucket and one prefix are the same location, whatever the endpoint spelling', () => {
      const a = s3Identity({basePath: 'x', bucket: 'b', endpoint: 'http://h:9000'})
      const b = s3Identity({basePath: 'x/', bucket: 'b', endpoint: 'http://h:9000/'})
      const c = s3Identity({basePath: 'x', bucket: 'b'})
      assert.equal(overlapOf(a, b), 'same')
      assert.equal(overlapOf(a, c), 'same')
      assert.equal(overlapOf(a, s3Identity({basePath: 'x/y', bucket: 'b'})), 'nested')
      assert.equal(overlapOf(a, s3Identity({basePath: 'x', bucket: 'other'})), undefined)
    })

    it('an fs location spelled with a trailing slash or through a symlink is one directory', async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'identity-'))
      mkdirSync(path.join(root, 'shared'))
      symlinkSync(path.join(root, 'shared'), path.join(root, 'alias'))
      const plain = await resolveFsLocation('x', `${root}/shared`, [root])
      assert.equal(await resolveFsLocation('y', `${root}/shared/`, [root]), plain)
      assert.equal(await resolveFsLocation('z', `${root}/alias`, [root]), plain)
      const outside = mkdtempSync(path.join(tmpdir(), 'outside-'))
      symlinkSync(outside, path.join(root, 'escape'))
      await assert.rejects(resolveFsLocation('e', `${root}/escape`, [root]), /not strictly below a path\.repo entry/)
      await assert.rejects(resolveFsLocation('r', '/', [root]), /root of the filesystem/)
    })

    it('a key under another registration’s base path is never ours, even where it looks like a hashed shard path', () => {
      const ours = {hashedShardPaths: true, prefix: 'logs/'}
      const key = 'A00000000000000/logs/indices/abc/meta-1.dat'
      assert.equal(ownershipAmong(key, ours, []).owned, true, 'alone, the hashed-prefix rule claims it')
      const others = [{hashedShardPaths: true, owner: 'H', prefix: 'A00000000000000/logs/'}]
      assert.deepEqual(ownershipAmong(key, ours, others), {owned: false, reason: 'belongs to registered repository H'})
      assert.equal(ownershipAmong('logs/index-0', ours, others).owned, true)
    })
  })

  describe('success only when the store agrees (issue 19)', () => {
    const asked = [{Key: 'p/index-0', VersionId: 'v1'}, {Key: 'p/index-0', VersionId: 'v2'}, {Key: 'p/snap-1.dat'}]

    it('an error without a VersionId (Object Lock) matches every version of its key', () => {
      const {failed, unmatched} = failedTargets(asked, [{Code: 'AccessDenied', Key: 'p/index-0'}])
      assert.deepEqual(failed, asked.slice(0, 2))
      assert.deepEqual(unmatched, [])
    })

    it('an error with a VersionId matches that version only', () => {
      assert.deepEqual(failedTargets(asked, [{Key: 'p/index-0', VersionId: 'v2'}]).failed, [asked[1]])
    })

    it('an error for something not asked is unmatched (the step then fails)', () => {
      assert.equal(failedTargets(asked, [{Key: 'elsewhere'}]).unmatched.length, 1)
      assert.equal(failedTargets(asked, [{Key: 'p/snap-1.dat', VersionId: 'zz'}]).unmatched.length, 1)
    })

    it('fs: only layout folders go; an empty keep-me/ and docs/drafts/ stay and are named; a symlink is never followed', async () => {
      const directory = mkdtempSync(path.join(tmpdir(), 'fs-clean-'))
      for (const folder of ['indices/abc/0', 'keep-me', 'docs/drafts'])
        mkdirSync(path.join(directory, folder), {recursive: true})
      writeFileSync(path.join(directory, 'index-0'), '{}')
      writeFileSync(path.join(directory, 'indices/abc/0/__x'), 'data')
      symlinkSync('/etc/passwd', path.join(directory, 'index-1'))
      const files = await FsRepositoryFiles.at(directory, {hashedShardPaths: true})
      const result = await files.removeOwned()
      assert.equal(result?.objects, 2)
      const kept = result!.keptSample.map((entry) => path.relative(directory, entry.key))
      assert.ok(kept.includes('keep-me'), kept.join(','))
      assert.ok(kept.includes('docs/drafts'), kept.join(','))
      assert.ok(kept.includes('index-1'), 'the symlink is named, not followed or deleted')
      assert.equal((await files.reader())?.store.location, directory, 'the location stays: it is not empty')
      await assert.rejects((await files.reader())!.store.read('index-1'), /symbolic link/)
    })
  })

  describe('bounded reads of what the store holds', () => {
    it('an object larger than the limit is refused with its size, never read whole', async () => {
      const directory = mkdtempSync(path.join(tmpdir(), 'bounded-'))
      writeFileSync(path.join(directory, 'index-0'), 'x'.repeat(100))
      await assert.rejects(
        new DirectoryBlobStore(directory).read('index-0', 10),
        /index-0 is 100 bytes, more than the 10 bytes the console reads of one file/,
      )
    })

    it('a FIFO named like index-N is named, never opened for a blocking read', async function () {
      const directory = mkdtempSync(path.join(tmpdir(), 'fifo-'))
      if (spawnSync('mkfifo', [path.join(directory, 'index-3')]).status !== 0) {
        console.log('      (skipped: mkfifo is not available here)')
        this.skip()
      }

      await assert.rejects(readRepositoryIndex(new DirectoryBlobStore(directory), ''), /not a regular file/)
      const result = await (
        await FsRepositoryFiles.at(directory, {hashedShardPaths: false})
      ).removeOwned({dryRun: true})
      assert.equal(result?.objects, 0)
      assert.match(result!.keptSample[0].reason, /not a regular file/)
    })

    it('a FIFO or a symlink where a shard file should be is refused by the streamed read too, never waited on', async function () {
      const directory = mkdtempSync(path.join(tmpdir(), 'fifo-'))
      if (spawnSync('mkfifo', [path.join(directory, '__shard')]).status !== 0) {
        console.log('      (skipped: mkfifo is not available here)')
        this.skip()
      }

      symlinkSync('/etc/hostname', path.join(directory, '__linked'))
      const store = new DirectoryBlobStore(directory)
      await assert.rejects(store.stream('__shard'), /not a regular file/)
      await assert.rejects(store.stream('__linked'), /is a symbolic link/)
    })
  })

  describe('the journal licenses only what it recorded (issue 19)', () => {
    it('a malformed entry is named with the file and how to drop it, and --forget drops it', async () => {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json')
      writeFileSync(
        file,
        JSON.stringify([
          {
            clusterEndpoint: 'http://c',
            repository: 'r',
            runId: 'root-run',
            snapshot: 's',
            storage: {bucket: 'b', kind: 's3', prefix: ''},
          },
        ]),
      )
      const journal = new Journal(file, verifyEntryProblem)
      await assert.rejects(journal.entries(), (error: Error) => {
        assert.match(error.message, new RegExp(`${file}.*root-run.*bucket's root.*--forget root-run`))
        return true
      })
      assert.equal(await journal.forget('root-run'), true)
      assert.deepEqual(await journal.entries(), [])
    })

    it('an fs entry naming / is refused', () => {
      assert.match(
        verifyEntryProblem({
          clusterEndpoint: 'c',
          repository: 'r',
          runId: 'x',
          snapshot: 's',
          storage: {kind: 'fs', location: '/'},
        })!,
        /filesystem's root/,
      )
    })
  })
})
