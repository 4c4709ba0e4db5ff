import {strict as assert} from 'node:assert'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Journal} from '../../src/journal.js'
import {verifyEntryProblem} from '../../src/verify/journal.js'

describe('journal: it licenses only what it recorded', () => {
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
