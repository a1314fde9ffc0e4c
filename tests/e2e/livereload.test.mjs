// --live-reload as a front-end developer sees it, in each browser: a page
// served with the flag shows new text written to its file on disk with no
// action in the browser (the injected script reloads it), and a new
// stylesheet takes effect in place while a variable the page's script set
// survives (swapped, not reloaded). Each test has its own server over its
// own small tree; --trace says when a page's event stream is watching, so
// the change is made only once the page listens.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, until } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';

const RED = 'rgb(255, 0, 0)';
const BLUE = 'rgb(0, 0, 255)';

const page = (text) => `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>live</title>
<link rel="stylesheet" href="css/site.css"></head>
<body><p id="text">${text}</p></body></html>
`;
const sheet = (color) => `#text { color: ${color} }\n`;

async function liveSite(t) {
	const root = mkdtempSync(join(t.tmp, 'livereload-'));
	writeFileSync(join(root, 'index.html'), page('before'));
	mkdirSync(join(root, 'css'));
	writeFileSync(join(root, 'css/site.css'), sheet(RED));
	const srv = await startServer(root, ['--live-reload', '--trace']);
	t.defer(() => srv.stop());
	return { root, srv };
}

// Streams whose child is watching, by the --trace lines so far.
const watching = (srv) => (srv.log().match(/live-reload fd=\d+ watching \d+ directories/g) || []).length;

// A value read from the page, or null while it is being replaced.
async function inPage(p, fn) {
	try {
		return await p.evaluate(fn);
	} catch {
		return null; // the old document went away mid-call: ask again
	}
}

test('live_reload_new_text_without_action', async (t) => {
	const { root, srv } = await liveSite(t);
	await t.page.goto(`${srv.base}/`);
	await until('the page\'s event stream', () => watching(srv) >= 1);
	if (await inPage(t.page, () => document.getElementById('text').textContent) !== 'before')
		throw new Error('the page did not load');
	writeFileSync(join(root, 'index.html'), page('after the edit'));
	await until('the new text in the page', async () =>
		await inPage(t.page, () => document.getElementById('text').textContent) === 'after the edit');
	await until('"sent reload /index.html" in the trace', () => /sent reload \/index\.html/.test(srv.log()));
	t.note(`reloaded by: ${srv.log().match(/child \d+: live-reload fd=\d+ sent reload \S+/)[0]}`);
});

test('live_reload_stylesheet_in_place', async (t) => {
	const { root, srv } = await liveSite(t);
	await t.page.goto(`${srv.base}/`);
	await until('the page\'s event stream', () => watching(srv) >= 1);
	await t.page.evaluate(() => {
		window.survivesSwap = 'still here';
	});
	const color = () => inPage(t.page, () => getComputedStyle(document.getElementById('text')).color);
	if (await color() !== RED)
		throw new Error(`the stylesheet did not apply: ${await color()}`);
	writeFileSync(join(root, 'css/site.css'), sheet(BLUE));
	await until('the new colour', async () => await color() === BLUE);
	const state = await t.page.evaluate(() => ({
		marker: window.survivesSwap,
		links: [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => new URL(l.href).pathname + new URL(l.href).search),
	}));
	if (state.marker !== 'still here')
		throw new Error('the page was reloaded: its variable is gone');
	await until('the old <link> removed', async () =>
		(await inPage(t.page, () => document.querySelectorAll('link[rel=stylesheet]').length)) === 1);
	if (!/^\/css\/site\.css\?livereload=\d+$/.test(state.links[state.links.length - 1]))
		throw new Error(`stylesheet link: ${state.links.join(', ')}`);
	if (watching(srv) !== 1)
		throw new Error(`${watching(srv)} streams: the page reloaded`);
	await until('"sent css /css/site.css" in the trace', () => /sent css \/css\/site\.css/.test(srv.log()));
});
