// wget -r --no-parent mirrors a tree of several levels with odd names
// (spaces, &, quotes, non-ASCII, a control byte, a name that is not
// UTF-8) from the listing links alone, and the mirror must equal the
// source byte for byte (diff -r), the saved listing pages aside: exactly
// one index.html per directory and no request with a query.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from './lib/harness.mjs';

// Every path below dir (as Buffers), with whether it is a directory.
function walk(dir, out = []) {
	for (const e of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
		const p = Buffer.concat([Buffer.from(dir), Buffer.from('/'), e.name]);
		out.push({ path: p, dir: e.isDirectory(), name: e.name.toString('latin1') });
		if (e.isDirectory())
			walk(p, out);
	}
	return out;
}

test('wget_mirror_byte_for_byte', async (t) => {
	const { site } = t;
	const m = join(t.tmp, 'mirror');
	mkdirSync(m);
	t.defer(() => rmSync(m, { recursive: true, force: true }));
	const logFrom = site.log().length;
	const w = spawnSync('wget', ['-r', '-l', 'inf', '--no-parent', '-nH', '-e', 'robots=off',
		'--restrict-file-names=nocontrol', '--tries=1', '--timeout=5', '-q', `${site.base}/tree/`],
	{ cwd: m, timeout: 60000, stdio: 'ignore' });
	if (w.status !== 0)
		throw new Error(`wget exited ${w.status ?? w.signal}`);
	const src = join(site.root, 'tree');
	const dirs = walk(src).filter((e) => e.dir).length + 1;
	const files = walk(src).filter((e) => !e.dir).length;
	const pages = walk(m).filter((e) => !e.dir && e.name === 'index.html');
	if (pages.length !== dirs)
		throw new Error(`wget saved ${pages.length} listing pages for ${dirs} directories`);
	for (const p of pages)
		rmSync(p.path);
	const d = spawnSync('diff', ['-r', src, join(m, 'tree')], { encoding: 'latin1' });
	if (d.status !== 0)
		throw new Error(`diff -r: ${d.stdout}${d.stderr}`);
	// From the listing links alone: nothing with a query (sorting is by
	// form, which wget does not submit), nothing outside /tree/.
	const stray = site.log().slice(logFrom).split('\n')
		.filter((l) => l.includes('"GET ') && !/"GET \/tree\/[^? ]* HTTP/.test(l));
	if (stray.length)
		throw new Error(`wget fetched:\n${stray.join('\n')}`);
	t.note(`mirrored ${files} files in ${dirs} directories byte for byte`);
}, { browser: false, needs: ['wget'] });
