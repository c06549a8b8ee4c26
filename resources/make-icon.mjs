#!/usr/bin/env node
// Draws resources/icon.png (1024×1024, the size electron-builder turns into
// .icns/.ico/Linux icons): a rounded square, one solid chevron (the accepted
// token) followed by two fading ones (the speculative drafts). Pure Node:
// signed-distance shapes, 1 px anti-aliasing, a hand-rolled PNG encoder.
// Run: node resources/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const S = 1024;
const px = new Uint8ClampedArray(S * S * 4);

const mix = (a, b, t) => a + (b - a) * t;
const clamp01 = (x) => Math.max(0, Math.min(1, x));
const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

function roundedRectSdf(x, y, cx, cy, hw, hh, r) {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segmentDist(x, y, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = clamp01(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/** A ">" with round caps: tip at (tx, cy), arms back to tx - w, half height h, stroke t. */
function chevronSdf(x, y, tx, cy, w, h, t) {
  return Math.min(segmentDist(x, y, tx - w, cy - h, tx, cy), segmentDist(x, y, tx, cy, tx - w, cy + h)) - t / 2;
}

function blend(i, rgb, a) {
  if (a <= 0) return;
  const da = px[i + 3] / 255;
  const oa = a + da * (1 - a);
  for (let c = 0; c < 3; c++) px[i + c] = (rgb[c] * a + (px[i + c] * da * (1 - a))) / (oa || 1);
  px[i + 3] = oa * 255;
}

const top = hex('#1e3a8a');
const bottom = hex('#6d28d9');
const white = [255, 255, 255];
const teal = hex('#5eead4');
const chevrons = [
  { tx: 430, color: white, alpha: 1 },
  { tx: 610, color: teal, alpha: 0.85 },
  { tx: 790, color: teal, alpha: 0.45 },
];

for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 4;
    const bg = roundedRectSdf(x + 0.5, y + 0.5, S / 2, S / 2, S / 2 - 40, S / 2 - 40, 200);
    const t = clamp01((x + y) / (2 * S));
    blend(i, [mix(top[0], bottom[0], t), mix(top[1], bottom[1], t), mix(top[2], bottom[2], t)], clamp01(0.5 - bg));
    if (bg > 1) continue;
    for (const c of chevrons) {
      const d = chevronSdf(x + 0.5, y + 0.5, c.tx, S / 2, 190, 230, 92);
      blend(i, c.color, clamp01(0.5 - d) * c.alpha);
    }
    // A baseline "track" under the chevrons: the token stream.
    const track = roundedRectSdf(x + 0.5, y + 0.5, S / 2, 850, 330, 14, 14);
    blend(i, white, clamp01(0.5 - track) * 0.35);
  }
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(S, 0);
ihdr.writeUInt32BE(S, 4);
ihdr[8] = 8; // bit depth
ihdr[9] = 6; // RGBA
const raw = Buffer.alloc(S * (S * 4 + 1));
for (let y = 0; y < S; y++) {
  raw[y * (S * 4 + 1)] = 0; // filter: none
  Buffer.from(px.buffer, y * S * 4, S * 4).copy(raw, y * (S * 4 + 1) + 1);
}
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = new URL('./icon.png', import.meta.url);
writeFileSync(out, png);
console.log(`wrote ${out.pathname} (${S}×${S}, ${png.length} bytes)`);
