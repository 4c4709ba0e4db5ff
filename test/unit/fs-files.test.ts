import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {FsLocation, FsRepositoryFiles} from '../../src/location/fs-location.js'
import {readRepositoryIndex} from '../../src/snapshot-format/repository-index.js'
import {DirectoryBlobStore} from '../../src/store/blobs.js'

describe('fs-files: what an fs repository location holds and what of it goes', () => {
  it('fs: only layout folders go; an empty keep-me/ and docs/drafts/ stay and are named; a symlink is never followed', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'fs-clean-'))
    for (const folder of ['indices/abc/0', 'keep-me', 'docs/drafts'])
      mkdirSync(path.join(directory, folder), {recursive: true})
    writeFileSync(path.join(directory, 'index-0'), '{}')
    writeFileSync(path.join(directory, 'indices/abc/0/__x'), 'data')
    symlinkSync('/etc/passwd', path.join(directory, 'index-1'))
    const files = await FsRepositoryFiles.at(new FsLocation(directory), directory, {hashedShardPaths: true})
    const result = await files.removeOwned()
    assert.equal(result?.objects, 2)
    const kept = result!.keptSample.map((entry) => path.relative(directory, entry.key))
    assert.ok(kept.includes('keep-me'), kept.join(','))
    assert.ok(kept.includes('docs/drafts'), kept.join(','))
    assert.ok(kept.includes('index-1'), 'the symlink is named, not followed or deleted')
    assert.equal((await files.reader())?.store.location, directory, 'the location stays: it is not empty')
    await assert.rejects((await files.reader())!.store.read('index-1'), /symbolic link/)
  })

  it('a FIFO named like index-N is named, never opened for a blocking read', async function () {
    const directory = mkdtempSync(path.join(tmpdir(), 'fifo-'))
    if (spawnSync('mkfifo', [path.join(directory, 'index-3')]).status !== 0) {
      console.log('      (skipped: mkfifo is not available here)')
      this.skip()
    }

    await assert.rejects(readRepositoryIndex(new DirectoryBlobStore(directory), ''), /not a regular file/)
    const result = await (
      await FsRepositoryFiles.at(new FsLocation(directory), directory, {hashedShardPaths: false})
    ).removeOwned({dryRun: true})
    assert.equal(result?.objects, 0)
    assert.match(result!.keptSample[0].reason, /not a regular file/)
  })
})
