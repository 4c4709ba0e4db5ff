import {strict as assert} from 'node:assert'
import {mkdirSync, mkdtempSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {normaliseEndpoint, overlapOf, resolveFsLocation, s3Identity} from '../../src/location/identity.js'

describe('identity: one identity per location', () => {
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
})
