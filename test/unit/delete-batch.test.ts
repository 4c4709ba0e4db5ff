import {strict as assert} from 'node:assert'

import {failedTargets} from '../../src/store/delete-batch.js'

describe('delete-batch: success only when the store agrees', () => {
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
})
