// The video on the www index (media/sample.mp4: 10 s of ffmpeg's
// testsrc2 in H.264 and AAC), as a visitor plays it: the page's own
// <video> is seeked into its second half, must land there and show the
// frame (one pixel of testsrc2's red bar, drawn on a canvas), and the
// access log must show it was served with Range (206). Then the page
// fetch()es 100 bytes from the second half with a Range header, whose
// SHA-256 must be that of the same bytes of the file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, until } from './lib/harness.mjs';

const MEDIA = '/media/sample.mp4';
const SEEK = 7.5;

// Runs in the page. Waits on the video's own events; t's timeout bounds it.
async function seekInPage({ seek, media, range }) {
	const v = document.querySelector(`video[src$="${media.slice(1)}"]`);
	if (!v)
		return { error: 'no <video> for the clip on the page' };
	if (!v.canPlayType('video/mp4; codecs="avc1.4D4015, mp4a.40.2"'))
		return { noH264: true };
	const once = (ev) => new Promise((ok, no) => {
		v.addEventListener(ev, ok, { once: true });
		v.addEventListener('error', () => no(new Error(`media error ${v.error && v.error.code}`)), { once: true });
	});
	v.muted = true;
	if (v.readyState < 1) {
		const meta = once('loadedmetadata');
		v.load();
		await meta;
	}
	const before = v.currentTime;
	const seeked = once('seeked');
	v.currentTime = seek;
	await seeked;
	if (v.readyState < 2)
		await once('loadeddata');
	const c = document.createElement('canvas');
	c.width = v.videoWidth;
	c.height = v.videoHeight;
	const g = c.getContext('2d');
	g.drawImage(v, 0, 0);
	const pixel = [...g.getImageData(20, 100, 1, 1).data.slice(0, 3)];
	// After the video, and past the cache, which could otherwise splice
	// these bytes into the video's own requests.
	const r = await fetch(media, { headers: { Range: range }, cache: 'no-store' });
	const bytes = await r.arrayBuffer();
	const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
		.map((x) => x.toString(16).padStart(2, '0')).join('');
	return { before, after: v.currentTime, duration: v.duration, pixel,
		status: r.status, contentRange: r.headers.get('Content-Range'), hash };
}

test('video_seek_served_with_range_requests', async (t) => {
	const { page, site } = t;
	const file = readFileSync(join(site.root, MEDIA));
	const first = Math.floor(file.length * 3 / 4), last = first + 99;
	const want = createHash('sha256').update(file.subarray(first, last + 1)).digest('hex');
	const logFrom = site.log().length;
	await page.goto(`${site.base}/`, { waitUntil: 'load' });
	const r = await page.evaluate(seekInPage, { seek: SEEK, media: MEDIA, range: `bytes=${first}-${last}` });
	if (r.noH264)
		t.skip(`this ${t.browserName} cannot play H.264`);
	if (r.error)
		throw new Error(r.error);
	t.note(`<video>: duration ${r.duration}, currentTime ${r.before} -> ${r.after}, pixel rgb(${r.pixel})`);
	if (Math.round(r.duration) !== 10)
		throw new Error(`duration ${r.duration}, want 10`);
	if (r.before === r.after || Math.abs(r.after - SEEK) > 0.05)
		throw new Error(`currentTime ${r.before} -> ${r.after}, want ${SEEK}`);
	// testsrc2's red bar: the seeked-to frame was decoded, not blank.
	const [red, green, blue] = r.pixel;
	if (!(red >= 180 && green <= 80 && blue <= 80))
		throw new Error(`the frame at ${SEEK} s is not the clip's picture (pixel ${r.pixel})`);
	const range = `bytes ${first}-${last}/${file.length}`;
	if (r.status !== 206 || r.contentRange !== range || r.hash !== want)
		throw new Error(`fetch: ${r.status} ${r.contentRange} ${r.hash}; want 206 ${range} ${want}`);
	// The access log: the fetch's 206 of 100 bytes, and the <video>'s own.
	// A child writes its lines once idle, and the browser may keep its
	// connections open: wait, bounded.
	const answers = () => [...site.log().slice(logFrom).matchAll(/"GET \/media\/sample\.mp4 HTTP\/1\.1" (\d+) (\d+)$/gm)]
		.map((m) => [Number(m[1]), Number(m[2])]);
	const video206 = () => answers().filter(([s, n]) => s === 206 && n !== 100);
	await until('the fetch\'s 206 of 100 bytes in the access log', () => answers().some(([s, n]) => s === 206 && n === 100));
	await until('a 206 for the <video> in the access log', () => video206().length >= 1);
	const full = answers().filter(([s]) => s === 200);
	if (full.length)
		throw new Error(`the clip was also sent whole (200) ${full.length} time(s)`);
	t.note(`access log: ${video206().length} x 206 for the <video> (${video206().map(([, n]) => n).join(', ')} bytes), 206 of 100 bytes for the fetch: byte-exact`);
});
