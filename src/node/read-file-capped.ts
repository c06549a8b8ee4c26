/**
 * A file read whole only when it is small: a user-given path can name a 100 MB file or
 * /dev/zero, and reading either whole costs gigabytes. At most `maxBytes + 1` bytes
 * are read, whatever the file says its size is.
 */
import { open } from 'node:fs/promises';

export type CappedRead = { ok: true; text: string } | { ok: false; bytes: number };

/** The file as UTF-8 text, or how many bytes it has (at least maxBytes + 1) when it is larger than maxBytes. */
export async function readFileCapped(path: string, maxBytes: number): Promise<CappedRead> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size > maxBytes) return { ok: false, bytes: size };
    const buf = Buffer.alloc(maxBytes + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > maxBytes) return { ok: false, bytes: got };
    }
    return { ok: true, text: buf.subarray(0, got).toString('utf8') };
  } finally {
    await fh.close();
  }
}
