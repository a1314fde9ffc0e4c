// Just enough PNG decoding (8-bit grey, RGB, RGBA; not interlaced) to
// tell a screenshot from a blank one, with node's own zlib.
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunks(png) {
	if (!png.subarray(0, 8).equals(SIGNATURE))
		throw new Error('not a PNG');
	let ihdr = null;
	const idat = [];
	for (let pos = 8; pos + 8 <= png.length;) {
		const len = png.readUInt32BE(pos);
		const kind = png.toString('latin1', pos + 4, pos + 8);
		const data = png.subarray(pos + 8, pos + 8 + len);
		pos += 12 + len;
		if (kind === 'IHDR')
			ihdr = data;
		else if (kind === 'IDAT')
			idat.push(data);
		else if (kind === 'IEND')
			break;
	}
	if (!ihdr)
		throw new Error('PNG without IHDR');
	return { ihdr, idat: Buffer.concat(idat) };
}

function paeth(a, b, c) {
	const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Undo the per-row filters in place; returns the rows, unfiltered.
function unfilter(raw, height, stride, bpp) {
	const out = Buffer.alloc(height * stride);
	for (let y = 0; y < height; y++) {
		const type = raw[y * (stride + 1)];
		const src = y * (stride + 1) + 1, dst = y * stride, up = dst - stride;
		for (let i = 0; i < stride; i++) {
			const a = i >= bpp ? out[dst + i - bpp] : 0;
			const b = y > 0 ? out[up + i] : 0;
			const c = i >= bpp && y > 0 ? out[up + i - bpp] : 0;
			const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][type];
			if (pred === undefined)
				throw new Error(`PNG filter type ${type}`);
			out[dst + i] = (raw[src + i] + pred) & 255;
		}
	}
	return out;
}

// { width, height, colours (distinct RGB values), corner [r, g, b] }
export function pngStats(data) {
	const png = Buffer.from(data);
	const { ihdr, idat } = chunks(png);
	const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4);
	const depth = ihdr[8], ctype = ihdr[9], interlace = ihdr[12];
	const bpp = { 0: 1, 2: 3, 4: 2, 6: 4 }[ctype];
	if (depth !== 8 || !bpp || interlace)
		throw new Error(`PNG format not handled: depth ${depth}, colour type ${ctype}, interlace ${interlace}`);
	const px = unfilter(inflateSync(idat), height, width * bpp, bpp);
	const rgb = (i) => (bpp >= 3 ? [px[i], px[i + 1], px[i + 2]] : [px[i], px[i], px[i]]);
	const colours = new Set();
	for (let i = 0; i < px.length; i += bpp) {
		const [r, g, b] = rgb(i);
		colours.add((r << 16) | (g << 8) | b);
	}
	return { width, height, colours: colours.size, corner: rgb(0) };
}
