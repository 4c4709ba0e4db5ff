/* eslint-disable no-bitwise -- binary formats: bit fields, zigzag and VInt decoding, and bytes flipped on purpose */
/**
 * A decoder for SMILE, the binary JSON the engines write inside snapshot metadata blobs
 * (Jackson's format: `:)\n` header, typed tokens, optional back-references to names and values).
 * It decodes the whole format except what the engines never write into those blobs (none known);
 * unknown tokens fail with the offset, so a new writer is noticed rather than misread.
 */

export class SmileFormatError extends Error {
  constructor(message: string, offset: number) {
    super(`SMILE: ${message} at byte ${offset}`)
    this.name = 'SmileFormatError'
  }
}

/** How many names or values a back-reference table holds before the writer starts it over. */
const SHARED_TABLE_LIMIT = 1024

class SmileReader {
  private readonly names: string[] = []
  private offset = 0
  private readonly sharedNames: boolean
  private readonly sharedValues: boolean
  private readonly values: string[] = []

  constructor(private readonly bytes: Uint8Array) {
    if (bytes[0] !== 0x3a || bytes[1] !== 0x29 || bytes[2] !== 0x0a) throw new SmileFormatError('no `:)\\n` header', 0)
    const flags = bytes[3]
    this.sharedNames = (flags & 0x01) !== 0
    this.sharedValues = (flags & 0x02) !== 0
    this.offset = 4
  }

  readDocument(): unknown {
    const value = this.readValue(this.next())
    return value
  }

  private fail(message: string): never {
    throw new SmileFormatError(message, this.offset)
  }

  private next(): number {
    if (this.offset >= this.bytes.length) this.fail('unexpected end of data')
    return this.bytes[this.offset++]
  }

  private readArray(): unknown[] {
    const items: unknown[] = []
    for (;;) {
      const token = this.next()
      if (token === 0xf9) return items
      items.push(this.readValue(token))
    }
  }

  private readBigVInt(): bigint {
    let value = 0n
    for (;;) {
      const byte = this.next()
      if (byte & 0x80) return (value << 6n) | BigInt(byte & 0x3f)
      value = (value << 7n) | BigInt(byte)
    }
  }

  /** 7 bits per byte, least significant group first in the low bits of the last bytes; as written by Jackson. */
  private readBinary7(): Buffer {
    const length = this.readVInt()
    // Checked before allocating: a corrupt length must not ask for gigabytes (8 bytes carry 7).
    if (this.offset + Math.ceil((length * 8) / 7) > this.bytes.length) this.fail('7-bit binary runs past the end')
    const out = Buffer.alloc(length)
    let written = 0
    while (written + 7 <= length) {
      let value = 0n
      for (let index = 0; index < 8; index++) value = (value << 7n) | BigInt(this.next() & 0x7f)
      for (let index = 6; index >= 0; index--) out[written + 6 - index] = Number((value >> BigInt(index * 8)) & 0xffn)
      written += 7
    }

    const rest = length - written
    if (rest > 0) {
      // `rest` bytes take rest + 1 groups of 7 bits; the last group holds only the remaining bits.
      let value = 0n
      for (let index = 0; index < rest; index++) value = (value << 7n) | BigInt(this.next() & 0x7f)
      const lastBits = rest * 8 - rest * 7
      value = (value << BigInt(lastBits)) | BigInt(this.next() & ((1 << lastBits) - 1))
      for (let index = rest - 1; index >= 0; index--)
        out[written + rest - 1 - index] = Number((value >> BigInt(index * 8)) & 0xffn)
    }

    return out
  }

  private readName(token: number): string {
    if (token === 0x20) return ''
    if (token >= 0x30 && token <= 0x33) return this.sharedName(((token & 0x03) << 8) | this.next())
    if (token === 0x34) return this.readTerminated()
    if (token >= 0x40 && token <= 0x7f) return this.sharedName(token & 0x3f)
    if (token >= 0x80 && token <= 0xbf) return this.remember(this.names, this.readText((token & 0x3f) + 1))
    if (token >= 0xc0 && token <= 0xf7) return this.remember(this.names, this.readText((token & 0x3f) + 2))
    return this.fail(`token 0x${token.toString(16)} where a name was expected`)
  }

  private readObject(): Record<string, unknown> {
    const object: Record<string, unknown> = {}
    for (;;) {
      const token = this.next()
      if (token === 0xfb) return object
      const name = this.readName(token)
      object[name] = this.readValue(this.next())
    }
  }

  private readSignedVInt(): number | string {
    const raw = this.readBigVInt()
    const value = (raw >> 1n) ^ -(raw & 1n)
    // Lengths, counts and times fit a double; anything larger is kept exact as text.
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }

  private readTerminated(): string {
    const start = this.offset
    const end = this.bytes.indexOf(0xfc, start)
    if (end === -1) this.fail('a long string without its end marker')
    this.offset = end + 1
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString('utf8')
  }

  private readText(length: number): string {
    if (this.offset + length > this.bytes.length) this.fail('a string runs past the end')
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.offset, length).toString('utf8')
    this.offset += length
    return text
  }

  private readValue(token: number): unknown {
    if (token >= 0x01 && token <= 0x1f) return this.sharedValue(token - 1)
    switch (token) {
      case 0x20: {
        return ''
      }

      case 0x21: {
        return null
      }

      case 0x22: {
        return false
      }

      case 0x23: {
        return true
      }

      case 0x24:
      case 0x25: {
        return this.readSignedVInt()
      }

      case 0x26: {
        // BigInteger: its two's-complement bytes, 7-bit encoded.
        const bytes = this.readBinary7()
        let value = 0n
        for (const byte of bytes) value = (value << 8n) | BigInt(byte)
        if (bytes.length > 0 && bytes[0] & 0x80) value -= 1n << BigInt(bytes.length * 8)
        return value.toString()
      }

      case 0x28: {
        let bits = 0
        for (let index = 0; index < 5; index++) bits = bits * 128 + (this.next() & 0x7f)
        const view = new DataView(new ArrayBuffer(4))
        view.setUint32(0, bits >>> 0)
        return view.getFloat32(0)
      }

      case 0x29: {
        let bits = 0n
        for (let index = 0; index < 10; index++) bits = (bits << 7n) | BigInt(this.next() & 0x7f)
        const view = new DataView(new ArrayBuffer(8))
        view.setBigUint64(0, BigInt.asUintN(64, bits))
        return view.getFloat64(0)
      }

      case 0x2a: {
        const scale = this.readSignedVInt()
        const unscaled = this.readBinary7()
        return `${Buffer.from(unscaled).toString('hex')}e-${scale}`
      }

      case 0xe0:
      case 0xe4: {
        return this.readTerminated()
      }

      case 0xe8: {
        return this.readBinary7()
      }

      case 0xf8: {
        return this.readArray()
      }

      case 0xfa: {
        return this.readObject()
      }

      case 0xfd: {
        const length = this.readVInt()
        if (this.offset + length > this.bytes.length) this.fail('raw binary runs past the end')
        const out = Buffer.from(this.bytes.subarray(this.offset, this.offset + length))
        this.offset += length
        return out
      }
    }

    if (token >= 0xec && token <= 0xef) return this.sharedValue(((token & 0x03) << 8) | this.next())
    if (token >= 0x40 && token <= 0x5f) return this.remember(this.values, this.readText((token & 0x1f) + 1), true)
    if (token >= 0x60 && token <= 0x7f) return this.remember(this.values, this.readText((token & 0x1f) + 33), true)
    if (token >= 0x80 && token <= 0x9f) return this.remember(this.values, this.readText((token & 0x1f) + 2), true)
    if (token >= 0xa0 && token <= 0xbf) return this.remember(this.values, this.readText((token & 0x1f) + 34), true)
    if (token >= 0xc0 && token <= 0xdf) {
      const zigzag = token & 0x1f
      return (zigzag >>> 1) ^ -(zigzag & 1)
    }

    return this.fail(`unknown value token 0x${token.toString(16)}`)
  }

  private readVInt(): number {
    return Number(this.readBigVInt())
  }

  private remember(table: string[], text: string, isValue = false): string {
    if (isValue ? !this.sharedValues : !this.sharedNames) return text
    if (table.length >= SHARED_TABLE_LIMIT) table.length = 0
    table.push(text)
    return text
  }

  private sharedName(index: number): string {
    if (index >= this.names.length) this.fail(`a reference to name ${index} of ${this.names.length}`)
    return this.names[index]
  }

  private sharedValue(index: number): string {
    if (index >= this.values.length) this.fail(`a reference to value ${index} of ${this.values.length}`)
    return this.values[index]
  }
}

/** The value of one SMILE document (binary values as Buffers, integers past 2^53 as decimal text). */
export function decodeSmile(bytes: Uint8Array): unknown {
  return new SmileReader(bytes).readDocument()
}
