// The sort buttons used as a person would, with scripts off (they are
// plain GET forms): a mouse click on "Size", then Enter on "Name" in the
// page that gave.
import { join } from 'node:path';
import { test } from './lib/harness.mjs';
import { checkListing, expectEqual } from './lib/listing.mjs';
import { mouseClick } from './lib/page.mjs';

test('listing_sort_buttons_clicked', async (t) => {
	const { site } = t;
	const page = await t.pageWith({ javascript: false });
	await page.goto(`${site.base}/browse/`);
	await Promise.all([page.waitForNavigation(), mouseClick(page, 'th.s button')]);
	expectEqual('mouse on th.s button went to', page.url(), `${site.base}/browse/?sort=size&order=asc`);
	t.note(`mouse on th.s button: ${page.url()}:`, await checkListing(page, '/browse/', join(site.root, 'browse'), 'size', 'asc'));
	await page.focus('th.n button');
	await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
	expectEqual('Enter on th.n button went to', page.url(), `${site.base}/browse/?sort=name&order=asc`);
	t.note(`Enter on th.n button: ${page.url()}:`, await checkListing(page, '/browse/', join(site.root, 'browse')));
});
