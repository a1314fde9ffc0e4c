// The site and its directory listings, as a reader gets there: the www
// index, a link from it, a listing's rows as the browser parsed them,
// links to a file and to a directory followed by a click, and a sorted
// listing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from './lib/harness.mjs';
import { checkListing } from './lib/listing.mjs';
import { follow, rowLink } from './lib/page.mjs';

test('www_index_links_to_a_listing', async (t) => {
	const { page, site } = t;
	await page.goto(`${site.base}/`);
	const want = readFileSync(join(site.root, 'index.html'), 'utf8').match(/<title>([^<]*)<\/title>/)[1];
	const title = await page.title();
	if (!want || title !== want)
		throw new Error(`title ${JSON.stringify(title)}; the file says ${JSON.stringify(want)}`);
	// The first relative link to a directory below.
	const links = await page.$$('a[href]');
	let link = null, href = '';
	for (const a of links) {
		href = await a.evaluate((el) => el.getAttribute('href'));
		if (/^[^/:?#.][^:?#]*\/$/.test(href)) {
			link = a;
			break;
		}
	}
	if (!link)
		throw new Error('no relative link to a directory listing in the index');
	await follow(page, link);
	t.note(`followed ${href} from the index:`, await checkListing(page, `/${href}`, join(site.root, href)));
});

test('listing_rows_as_the_browser_parsed_them', async (t) => {
	await t.page.goto(`${t.site.base}/browse/`);
	t.note(await checkListing(t.page, '/browse/', join(t.site.root, 'browse')));
});

test('listing_link_to_a_file_followed', async (t) => {
	const { page, site } = t;
	await page.goto(`${site.base}/browse/`);
	await follow(page, await rowLink(page, 'mid & <tag>.txt'));
	const shown = await page.evaluate(() => document.querySelector('pre')?.textContent ?? null);
	const want = readFileSync(join(site.root, 'browse/mid & <tag>.txt'), 'utf8');
	if (shown !== want)
		throw new Error(`page shows ${JSON.stringify(shown)}; the file holds ${JSON.stringify(want)}`);
	t.note(`${page.url()}: ${want.length} bytes of text/plain as in the file`);
});

test('listing_link_to_a_directory_followed', async (t) => {
	const { page, site } = t;
	await page.goto(`${site.base}/browse/`);
	await follow(page, await rowLink(page, 'sub dir & co/'));
	t.note(await checkListing(page, '/browse/sub dir & co/', join(site.root, 'browse/sub dir & co')));
});

test('listing_sorted_by_size_desc', async (t) => {
	await t.page.goto(`${t.site.base}/browse/?sort=size&order=desc`);
	t.note(await checkListing(t.page, '/browse/', join(t.site.root, 'browse'), 'size', 'desc'));
});
