import {strict as assert} from 'node:assert'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {DirectoryBlobStore} from '../../src/store/blobs.js'

describe('blobs: bounded reads of what the store holds', () => {
  it('an object larger than the limit is refused with its size, never read whole', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'bounded-'))
    writeFileSync(path.join(directory, 'index-0'), 'x'.repeat(100))
    await assert.rejects(
      new DirectoryBlobStore(directory).read('index-0', 10),
      /index-0 is 100 bytes, more than the 10 bytes the console reads of one file/,
    )
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
