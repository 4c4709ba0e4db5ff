import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {absentAncestors, removeEmptyAncestors} from '../../src/store/fs-ancestors.js'

describe('the directories a registration makes above an fs test location are taken back', () => {
  it('names the missing directories above a location, deepest first, up to the first that exists', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ancestors-'))
    assert.deepEqual(await absentAncestors(path.join(root, 'a', 'b', 'verify_x')), [
      path.join(root, 'a', 'b'),
      path.join(root, 'a'),
    ])
    assert.deepEqual(await absentAncestors(path.join(root, 'verify_x')), [])
  })

  it('removes them while empty, keeps one that now holds something, and never touches a directory not above the location', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ancestors-'))
    const location = path.join(root, 'a', 'b', 'verify_x')
    const absent = await absentAncestors(location)
    mkdirSync(path.join(root, 'a', 'b'), {recursive: true})
    const elsewhere = path.join(root, 'elsewhere')
    mkdirSync(elsewhere)
    const outcome = await removeEmptyAncestors(location, [...absent, elsewhere])
    assert.deepEqual(outcome.removed, [path.join(root, 'a', 'b'), path.join(root, 'a')])
    assert.equal(existsSync(path.join(root, 'a')), false)
    assert.equal(existsSync(elsewhere), true, 'a directory the journal names but that is not above the location stays')

    mkdirSync(path.join(root, 'a', 'b'), {recursive: true})
    writeFileSync(path.join(root, 'a', 'notes.txt'), 'someone else’s')
    const again = await removeEmptyAncestors(location, absent)
    assert.deepEqual(again.removed, [path.join(root, 'a', 'b')])
    assert.deepEqual(again.inUse, [path.join(root, 'a')])
    assert.equal(existsSync(path.join(root, 'a', 'notes.txt')), true)
  })
})
