/**
 * A minimal GGUF v3 writer: metadata key/values, F32 tensors, 32-byte aligned
 * data. Enough for llama.cpp to load a generated llama model; nothing more
 * (no quantised types, no big-endian variant).
 *
 * Written by hand rather than with @huggingface/gguf: the format is ~40 lines
 * of framing, and writing tensor data ourselves keeps the output one Buffer
 * built in a single pass (the header serializer there leaves the data to the
 * caller anyway).
 */

/** GGUF metadata value types (gguf.h `enum gguf_type`). */
const enum GgufType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

/** ggml tensor type F32. */
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** Fastest-varying dimension first, as ggml lists them (e.g. token_embd [n_embd, n_vocab]). */
  dims: readonly number[];
  data: Float32Array;
}

/** Grows a byte buffer; the header is small, so doubling is plenty. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  padTo(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeValue(out: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      out.u32(GgufType.UINT32);
      out.u32(v.value);
      return;
    case 'i32':
      out.u32(GgufType.INT32);
      out.i32(v.value);
      return;
    case 'f32':
      out.u32(GgufType.FLOAT32);
      out.f32(v.value);
      return;
    case 'bool':
      out.u32(GgufType.BOOL);
      out.u8(v.value ? 1 : 0);
      return;
    case 'string':
      out.u32(GgufType.STRING);
      out.string(v.value);
      return;
    case 'string[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.STRING);
      out.u64(v.value.length);
      for (const s of v.value) out.string(s);
      return;
    case 'f32[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.FLOAT32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.f32(v.value[i]);
      return;
    case 'i32[]':
      out.u32(GgufType.ARRAY);
      out.u32(GgufType.INT32);
      out.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) out.i32(v.value[i]);
      return;
  }
}

/** Serialises a whole GGUF v3 file. Tensor data is copied once into the result. */
export function serializeGguf(metadata: ReadonlyArray<readonly [string, GgufValue]>, tensors: readonly GgufTensor[]): Buffer {
  const head = new ByteSink();
  head.u8(0x47); // 'G'
  head.u8(0x47); // 'G'
  head.u8(0x55); // 'U'
  head.u8(0x46); // 'F'
  head.u32(3);
  head.u64(tensors.length);
  head.u64(metadata.length);
  for (const [key, value] of metadata) {
    head.string(key);
    writeValue(head, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw new Error(`tensor ${t.name}: dims [${t.dims.join(', ')}] hold ${elements} values but the data has ${t.data.length}`);
    }
    head.string(t.name);
    head.u32(t.dims.length);
    for (const d of t.dims) head.u64(d);
    head.u32(GGML_TYPE_F32);
    head.u64(offset);
    offsets.push(offset);
    offset += align(t.data.byteLength);
  }
  head.padTo(ALIGNMENT);
  const header = head.bytes();
  const file = Buffer.alloc(header.length + offset);
  header.copy(file, 0);
  tensors.forEach((t, i) => {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(file, header.length + offsets[i]);
  });
  return file;
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}
