// A directory listing as the browser parsed it, and as it must be,
// computed from the file system: order, link text, hrefs, sizes, times,
// breadcrumbs, the parent row and the sort forms.
import { readdirSync, statSync, lstatSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

// Python's urllib.parse.quote (safe '/') over bytes: what the listing's
// hrefs escape.
export function quote(name) {
	let out = '';
	for (const c of Buffer.from(name)) {
		const ch = String.fromCharCode(c);
		out += /[A-Za-z0-9_.~/-]/.test(ch) ? ch : '%' + c.toString(16).toUpperCase().padStart(2, '0');
	}
	return out;
}

export function human(size) {
	if (size < 1024)
		return `${size} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
	let v = size / 1024, u = 0;
	while (v >= 1023.95 && u + 1 < units.length) {
		v /= 1024;
		u++;
	}
	return `${v.toFixed(1)} ${units[u]}`;
}

const rfc3339 = (t) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
// ASCII letters folded, as the server does; bytes then break ties.
const lower = (b) => Buffer.from(b.map((c) => (c >= 65 && c <= 90 ? c + 32 : c)));

function entries(dir) {
	const d = Buffer.from(dir);
	return readdirSync(d, { encoding: 'buffer' }).map((name) => {
		const path = Buffer.concat([d, Buffer.from('/'), name]);
		const l = lstatSync(path);
		let st = l, isDir = false;
		try {
			st = statSync(path);
			isDir = st.isDirectory();
		} catch {
			// a dangling link: shown as a file of size 0
		}
		return { name, isDir, link: l.isSymbolicLink(), size: st === l && l.isSymbolicLink() ? 0 : st.size,
			mtime: Math.floor(st.mtimeMs / 1000) };
	});
}

// Directories (a link to one too) first; then by key, names (ASCII
// lower-cased, then bytes) breaking ties; desc reverses each group.
export function expectedRows(dir, key = 'name', order = 'asc') {
	const all = entries(dir);
	const cmp = (x, y) => {
		const kx = key === 'name' ? 0 : x[key], ky = key === 'name' ? 0 : y[key];
		return kx - ky || Buffer.compare(lower(x.name), lower(y.name)) || Buffer.compare(x.name, y.name);
	};
	const sign = order === 'desc' ? -1 : 1;
	const rows = [true, false].flatMap((group) =>
		all.filter((e) => e.isDir === group).sort((x, y) => sign * cmp(x, y)));
	return rows.map((e) => ({
		href: quote(e.name) + (e.isDir ? '/' : ''),
		text: e.name.toString('utf8') + (e.link ? '@' : e.isDir ? '/' : ''),
		size: e.isDir ? '-' : human(e.size),
		datetime: rfc3339(e.mtime),
	}));
}

// Runs in the page: the parts of a listing a reader sees.
function readInPage() {
	const text = (e) => (e ? e.textContent : '');
	const heads = [...document.querySelectorAll('th form, th a[href]')].map((el) => {
		if (el.tagName === 'A')
			return 'link ' + el.getAttribute('href');
		if ((el.getAttribute('method') || 'get').toLowerCase() !== 'get' || el.hasAttribute('action'))
			return 'form ' + el.outerHTML;
		// A GET form with no action submits its fields in document order,
		// the clicked button among them, to the page's path.
		const q = new URLSearchParams();
		for (const f of el.querySelectorAll('button[name], input[name]'))
			q.append(f.name, f.value);
		return '?' + q;
	});
	const up = document.querySelector('tr.up td.n a[href]');
	const rows = [...document.querySelectorAll('tr:not(.up)')].flatMap((tr) => {
		const a = tr.querySelector('td.n a[href]');
		if (!a)
			return [];
		const time = tr.querySelector('time');
		return [{ href: a.getAttribute('href'), text: a.textContent, size: text(tr.querySelector('td.s')),
			datetime: time ? time.getAttribute('datetime') : null }];
	});
	return {
		title: text(document.querySelector('title')),
		h1: text(document.querySelector('h1')),
		nav: [...document.querySelectorAll('nav a[href]')].map((a) => [a.getAttribute('href'), a.textContent]),
		queryLinks: [...document.querySelectorAll('a[href^="?"]')].map((a) => a.getAttribute('href')),
		heads,
		up: up ? up.getAttribute('href') : null,
		rows,
	};
}

export const readListing = (page) => page.evaluate(readInPage);

// Throws unless the page shows the listing of dir at urlPath, rows in
// the order key/order give. Returns a line saying what matched.
export async function checkListing(page, urlPath, dir, key = 'name', order = 'asc') {
	const got = await readListing(page);
	const want = `Directory listing for ${urlPath}`;
	if (got.title !== want || got.h1 !== want)
		throw new Error(`title ${JSON.stringify(got.title)}, h1 ${JSON.stringify(got.h1)}; want ${JSON.stringify(want)}`);
	const crumbs = [['/', '/']];
	let acc = '/';
	for (const seg of urlPath.split('/').filter(Boolean)) {
		acc += seg + '/';
		crumbs.push([quote(acc), seg + '/']);
	}
	expectEqual('breadcrumbs', got.nav, crumbs);
	expectEqual('parent row', got.up, urlPath === '/' ? null : '../');
	// Sorting is by form: a link with a query would be followed by wget -r.
	expectEqual('links to queries', got.queryLinks, []);
	// The current key's head toggles its order, the others ascend.
	const heads = ['name', 'size', 'mtime'].map((k) =>
		`?sort=${k}&order=${k === key ? (order === 'asc' ? 'desc' : 'asc') : 'asc'}`);
	expectEqual('sort forms', got.heads, heads);
	const rows = expectedRows(dir, key, order);
	if (!isDeepStrictEqual(got.rows, rows)) {
		const lines = ['rows as the browser parsed them differ (got / want):'];
		for (let i = 0; i < Math.max(got.rows.length, rows.length); i++)
			lines.push(`  ${JSON.stringify(got.rows[i] ?? null)}`, `  ${JSON.stringify(rows[i] ?? null)}`);
		throw new Error(lines.join('\n'));
	}
	return `${rows.length} rows in order (${key} ${order})`;
}

export function expectEqual(what, got, want) {
	if (!isDeepStrictEqual(got, want))
		throw new Error(`${what}: ${JSON.stringify(got)}; want ${JSON.stringify(want)}`);
}
