// The listing's filter box, in each browser, on a 10,000-entry listing:
// "/" focuses it, typing narrows the rows case-insensitively as you type,
// clearing it brings every row back; with scripts off there is no box
// and the listing is the plain one.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';

const ENTRIES = 10000;

function bigTree(t) {
	const root = mkdtempSync(join(tmpdir(), 'httpd-lite-filter.'));
	t.defer(() => rmSync(root, { recursive: true, force: true }));
	const dir = join(root, 'many');
	mkdirSync(dir);
	for (let i = 0; i < ENTRIES; i++)
		writeFileSync(join(dir, `file-${String(i).padStart(5, '0')}.txt`), '');
	writeFileSync(join(dir, 'Needle-One.TXT'), 'n');
	writeFileSync(join(dir, 'a-needle-two.txt'), 'n');
	return root;
}

const visibleRows = (page) => page.evaluate(() =>
	[...document.querySelectorAll('tbody tr')].filter((r) => r.style.display !== 'none')
		.map((r) => r.cells[0].textContent.trim()));

function expect(what, got, want) {
	if (JSON.stringify(got) !== JSON.stringify(want))
		throw new Error(`${what}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

test('filter_box_narrows_ten_thousand_rows', async (t) => {
	const { page } = t;
	const srv = await startServer(bigTree(t), ['-q']);
	t.defer(() => srv.stop());
	await page.goto(`${srv.base}/many/`);
	const all = (await visibleRows(page)).length;
	expect('rows before filtering (parent, 10,000 files, 2 needles)', all, ENTRIES + 3);
	await page.keyboard.press('/');
	expect('"/" focuses the box',
		await page.evaluate(() => document.activeElement.className), 'filter');
	await page.keyboard.type('NEEDLE');
	await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')]
		.filter((r) => r.style.display !== 'none').length < 10);
	const shown = (await visibleRows(page)).filter((n) => !/parent/i.test(n)).sort();
	expect('rows for "NEEDLE"', shown, ['Needle-One.TXT', 'a-needle-two.txt']);
	await page.evaluate(() => {
		const i = document.querySelector('input.filter');
		i.value = '';
		i.dispatchEvent(new Event('input'));
	});
	expect('rows after clearing', (await visibleRows(page)).length, all);
	t.note(`${all} rows; "NEEDLE" left ${shown.length} files and the parent row`);
});
