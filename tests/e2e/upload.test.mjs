// Uploading from a listing (--upload): two files chosen with the
// listing's control go up with PUT (one progress bar each), the listing
// reloads and shows both, and the bytes on disk are the files' bytes;
// without JavaScript the listing has no control at all. Each test runs
// its own server over a scratch directory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, until } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';

// A scratch tree: root/drop/ (empty) and two local files to upload.
function scratch(t, tag) {
	const root = join(t.tmp, `upload-${tag}-${t.browserName}`);
	const local = join(root, '..', `upload-local-${tag}-${t.browserName}`);
	mkdirSync(join(root, 'drop'), { recursive: true });
	mkdirSync(local, { recursive: true });
	const files = [
		{ name: 'photo one.bin', data: randomBytes(300 * 1024) },
		{ name: 'ünï & <b>.txt', data: Buffer.from('text with & and <b>\n'.repeat(50)) },
	];
	for (const f of files)
		writeFileSync(join(local, f.name), f.data);
	return { root, local, files };
}

async function listedNames(page) {
	return page.$$eval('tbody a', (as) => as.map((a) => a.textContent));
}

test('upload_two_files_with_the_listing_control', async (t) => {
	const { root, local, files } = scratch(t, 'js');
	const server = await startServer(root, ['--upload']);
	t.defer(() => server.stop());
	const page = t.page;
	await page.goto(`${server.base}/drop/`);
	const input = await page.waitForSelector('#upload input[type=file]');
	if (!(await input.evaluate((el) => el.multiple)))
		throw new Error('the file input does not take several files');
	// The reload after the uploads is what the control promises.
	const reloaded = page.waitForNavigation({ waitUntil: 'load' });
	await input.uploadFile(...files.map((f) => join(local, f.name)));
	await reloaded;
	const names = await until('both names in the listing', async () => {
		const n = await listedNames(page);
		return files.every((f) => n.includes(f.name)) && n;
	});
	for (const f of files) {
		const got = readFileSync(join(root, 'drop', f.name));
		if (!got.equals(f.data))
			throw new Error(`${f.name}: ${got.length} bytes on disk, ${f.data.length} sent, or other bytes`);
	}
	const puts = server.log().split('\n').filter((l) => /"PUT \/drop\/[^"]* HTTP\/1\.1" 201 /.test(l));
	if (puts.length !== 2)
		throw new Error(`access log has ${puts.length} PUT ... 201 lines:\n${server.log()}`);
	t.note(`listing after the upload: ${JSON.stringify(names)}; both files byte-exact`);
});

test('upload_refusal_is_shown_and_nothing_written', async (t) => {
	const { root, local, files } = scratch(t, 'taken');
	writeFileSync(join(root, 'drop', files[0].name), 'already here\n');
	const server = await startServer(root, ['--upload']);
	t.defer(() => server.stop());
	const page = t.page;
	await page.goto(`${server.base}/drop/`);
	const input = await page.waitForSelector('#upload input[type=file]');
	await input.uploadFile(join(local, files[0].name));
	const note = await until('the 409 shown next to the file', async () => {
		const text = await page.$eval('#upload li', (li) => li.textContent).catch(() => '');
		return /409/.test(text) && text;
	});
	if (readFileSync(join(root, 'drop', files[0].name), 'utf8') !== 'already here\n')
		throw new Error('the existing file was replaced');
	t.note(`shown: ${JSON.stringify(note)}`);
});

test('upload_control_absent_without_javascript', async (t) => {
	const { root } = scratch(t, 'nojs');
	const server = await startServer(root, ['--upload']);
	t.defer(() => server.stop());
	const page = await t.pageWith({ javascript: false });
	await page.goto(`${server.base}/drop/`);
	// page.evaluate, as lib/listing.mjs reads a listing: it works in
	// firefox with javascript.enabled off too.
	const { inputs, h1 } = await page.evaluate(() => ({
		inputs: document.querySelectorAll('input[type=file]').length,
		h1: document.querySelector('h1').textContent,
	}));
	if (inputs !== 0)
		throw new Error('a file input without JavaScript');
	if (h1 !== 'Directory listing for /drop/')
		throw new Error(`h1 is ${JSON.stringify(h1)}`);
	t.note('no file input; the listing as without --upload');
});
