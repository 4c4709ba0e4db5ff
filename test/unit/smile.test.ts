import {strict as assert} from 'node:assert'

import {decodeSmile, SmileFormatError} from '../../src/snapshot-format/smile.js'

describe('SMILE decoder', () => {
  const smile = (flags: number, ...tokens: number[]) => Buffer.from([0x3a, 0x29, 0x0a, flags, ...tokens])

  it('decodes small ints, longs, strings, arrays, back-referenced names and raw binary', () => {
    // {"a": -3, "bb": [true, null, "x"], "a": 1024 (zigzag VInt), bin: raw 2 bytes}
    const value = decodeSmile(
      smile(
        0x05,
        0xfa,
        0x80,
        0x61,
        0xc5,
        0x81,
        0x62,
        0x62,
        0xf8,
        0x23,
        0x21,
        0x40,
        0x78,
        0xf9,
        0x82,
        0x6e,
        0x75,
        0x6d,
        0x24,
        0x20,
        0x80,
        0x82,
        0x62,
        0x69,
        0x6e,
        0xfd,
        0x82,
        0x01,
        0x02,
        0xfb,
      ),
    ) as Record<string, unknown>
    assert.equal(value.a, -3)
    assert.deepEqual(value.bb, [true, null, 'x'])
    assert.equal(value.num, 1024)
    assert.deepEqual(value.bin, Buffer.from([1, 2]))
  })

  it('resolves shared value strings and 7-bit binary', () => {
    // ["ab", <ref 1>, 7-bit binary of [0xff]]
    const value = decodeSmile(smile(0x02, 0xf8, 0x41, 0x61, 0x62, 0x01, 0xe8, 0x81, 0x7f, 0x01, 0xf9)) as unknown[]
    assert.deepEqual(value.slice(0, 2), ['ab', 'ab'])
    assert.deepEqual(value[2], Buffer.from([0xff]))
  })

  it('fails naming the offset on what it does not know', () => {
    assert.throws(() => decodeSmile(smile(0, 0xfe)), SmileFormatError)
    assert.throws(() => decodeSmile(Buffer.from('{"json":1}')), /no `:\)\\n` header/)
  })
})
