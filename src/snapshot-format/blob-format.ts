/* eslint-disable no-bitwise -- binary formats: bit fields, zigzag and VInt decoding, and bytes flipped on purpose */
// eslint-disable-next-line n/no-unsupported-features/node-builtins -- crc32 is in Node 20.15+ (package.json engines): native, and what Lucene's footers use
import {crc32, inflateRawSync} from 'node:zlib'

/**
 * The engines' checksummed metadata blobs (ChecksumBlobStoreFormat: snap-*.dat and index-<gen> at the
 * shard level, meta-*.dat): a Lucene codec header, the body (SMILE, raw DEFLATE behind `DFL\0` when
 * the repository compresses), and a Lucene footer whose last 8 bytes are the CRC32 of all before them.
 * Every Lucene file a shard snapshot copies ends in the same footer.
 */

const CODEC_MAGIC = 0x3f_d7_6c_17
const FOOTER_MAGIC = ~CODEC_MAGIC >>> 0
export const FOOTER_LENGTH = 16
const DEFLATE_HEADER = Buffer.from('DFL\0', 'latin1')

export class BlobFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BlobFormatError'
  }
}

export interface ChecksumBlob {
  /** The body as written (SMILE), after decompression. */
  body: Buffer
  codec: string
  compressed: boolean
  version: number
}

/** The CRC32 a Lucene footer records, or why the bytes have no valid footer. */
export function luceneFooterChecksum(tail: Uint8Array): number | string {
  if (tail.length < FOOTER_LENGTH) return `${tail.length} bytes, shorter than a Lucene footer`
  const view = Buffer.from(tail.buffer, tail.byteOffset + tail.length - FOOTER_LENGTH, FOOTER_LENGTH)
  if (view.readUInt32BE(0) !== FOOTER_MAGIC) return 'no Lucene footer magic'
  if (view.readUInt32BE(4) !== 0) return `unknown checksum algorithm ${view.readUInt32BE(4)}`
  if (view.readUInt32BE(8) !== 0) return 'a checksum wider than 32 bits'
  return view.readUInt32BE(12)
}

/** Lucene records checksums as text: the CRC32 in base 36 (Store.digestToString). */
export function checksumText(crc: number): string {
  return crc.toString(36)
}

/** Reads and checks one whole ChecksumBlobStoreFormat blob; `name` is for messages. */
export function readChecksumBlob(bytes: Buffer, name: string, expectedCodec?: string): ChecksumBlob {
  if (bytes.length < 4 + 1 + 4 + FOOTER_LENGTH) throw new BlobFormatError(`${name}: ${bytes.length} bytes, too short`)
  if (bytes.readUInt32BE(0) !== CODEC_MAGIC) throw new BlobFormatError(`${name}: no Lucene codec header`)
  // The codec name is a Lucene string: a VInt length (one byte for these short names), then UTF-8.
  const nameLength = bytes[4]
  if (nameLength > 127) throw new BlobFormatError(`${name}: codec name too long`)
  const codec = bytes.toString('utf8', 5, 5 + nameLength)
  if (expectedCodec && codec !== expectedCodec)
    throw new BlobFormatError(`${name}: codec ${codec}, expected ${expectedCodec}`)
  const version = bytes.readUInt32BE(5 + nameLength)
  const footer = luceneFooterChecksum(bytes)
  if (typeof footer === 'string') throw new BlobFormatError(`${name}: ${footer}`)
  const actual = crc32(bytes.subarray(0, -8))
  if (actual !== footer)
    throw new BlobFormatError(
      `${name}: checksum mismatch (footer ${checksumText(footer)}, content ${checksumText(actual)})`,
    )
  let body = bytes.subarray(5 + nameLength + 4, bytes.length - FOOTER_LENGTH)
  const compressed = body.subarray(0, DEFLATE_HEADER.length).equals(DEFLATE_HEADER)
  if (compressed) {
    try {
      body = inflateRawSync(body.subarray(DEFLATE_HEADER.length))
    } catch (error) {
      throw new BlobFormatError(`${name}: compressed body does not inflate: ${(error as Error).message}`)
    }
  }

  return {body, codec, compressed, version}
}

/**
 * Checks a Lucene file while it streams past: CRC32 of everything but the last 8 bytes, compared with
 * those 8 bytes, with memory bounded by the chunk size.
 */
export class LuceneFileCheck {
  length = 0
  private crc = 0
  private tail = Buffer.alloc(0)

  /** What the file's footer says and what its bytes add up to. */
  finish(): {computed: number; footer: number | string} {
    const computed = crc32(this.tail.subarray(0, Math.max(0, this.tail.length - 8)), this.crc)
    return {computed, footer: luceneFooterChecksum(this.tail)}
  }

  update(chunk: Uint8Array): void {
    this.length += chunk.length
    // Keep the last FOOTER_LENGTH bytes aside; everything before them goes into the CRC now.
    if (chunk.length >= FOOTER_LENGTH) {
      if (this.tail.length > 0) this.crc = crc32(this.tail, this.crc)
      this.crc = crc32(chunk.subarray(0, chunk.length - FOOTER_LENGTH), this.crc)
      this.tail = Buffer.from(chunk.subarray(chunk.length - FOOTER_LENGTH))
      return
    }

    const joined = Buffer.concat([this.tail, chunk])
    const keep = Math.min(FOOTER_LENGTH, joined.length)
    if (joined.length > keep) this.crc = crc32(joined.subarray(0, joined.length - keep), this.crc)
    this.tail = joined.subarray(joined.length - keep)
  }
}
