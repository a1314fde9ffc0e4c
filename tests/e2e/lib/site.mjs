// The tree the tests serve: a copy of www/ plus two generated
// directories, browse/ (a listing with odd names, sizes and fixed times)
// and tree/ (several levels for the mirror). File names are Buffers
// where they must be bytes that are not UTF-8.
import { cpSync, mkdirSync, writeFileSync, symlinkSync, lutimesSync, truncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const T0 = 1700000000; // 2023-11-14T22:13:20Z

// a + "\xff" + b: a name that is not UTF-8.
export const badName = (dir, a, b) =>
	Buffer.concat([Buffer.from(join(dir, a)), Buffer.from([0xff]), Buffer.from(b)]);

function makeBrowse(b) {
	mkdirSync(join(b, 'sub dir & co'), { recursive: true });
	mkdirSync(join(b, 'Ω omega'));
	writeFileSync(join(b, 'sub dir & co/inner.txt'), 'inner\n');
	symlinkSync('sub dir & co', join(b, 'link to sub'));
	writeFileSync(join(b, 'big.bin'), '');
	truncateSync(join(b, 'big.bin'), 3145728);
	writeFileSync(join(b, 'mid & <tag>.txt'),
		'a line with & and <markup> in it\n'.repeat(47).slice(0, 1536));
	writeFileSync(join(b, 'tie-b.txt'), Buffer.alloc(1536));
	writeFileSync(join(b, 'small "q" \'a\'.txt'), '0123456789');
	writeFileSync(join(b, 'ünï cødé.txt'), Buffer.alloc(100));
	writeFileSync(badName(b, 'bad', 'name.txt'), 'bytes');
	const order = ['big.bin', 'mid & <tag>.txt', 'tie-b.txt', 'small "q" \'a\'.txt',
		'ünï cødé.txt', badName(b, 'bad', 'name.txt'), 'sub dir & co/inner.txt',
		'sub dir & co', 'Ω omega', 'link to sub'];
	order.forEach((f, i) => {
		const t = T0 + 1000 * i;
		lutimesSync(typeof f === 'string' ? join(b, f) : f, t, t);
	});
}

// No index.html anywhere: each directory is a listing.
function makeTree(t) {
	mkdirSync(join(t, 'level 1/level 2 & more/level 3 ünï/level 4'), { recursive: true });
	mkdirSync(join(t, '日本語'));
	mkdirSync(join(t, 'empty dir'));
	writeFileSync(join(t, 'random & noise.bin'), randomBytes(70000));
	writeFileSync(join(t, 'empty.txt'), '');
	writeFileSync(join(t, '100% #1 +;=.txt'), 'percent\n');
	writeFileSync(join(t, 'quote"<\'>.txt'), 'quotes\n');
	writeFileSync(badName(t, 'bad', 'name.bin'), 'not utf-8\n');
	writeFileSync(join(t, 'level 1/sp ace.txt'), 'space\n');
	writeFileSync(join(t, 'level 1/ctl\x01x.txt'), 'control\n');
	writeFileSync(join(t, 'level 1/level 2 & more/deep.bin'), randomBytes(5000));
	writeFileSync(join(t, 'level 1/level 2 & more/level 3 ünï/café.txt'), 'café\n');
	writeFileSync(join(t, 'level 1/level 2 & more/level 3 ünï/level 4/deepest.bin'), randomBytes(200000));
	writeFileSync(join(t, '日本語/ファイル.txt'), 'japanese\n');
}

// makeSite(repo, dir): dir/www ready to serve; returns its path.
export function makeSite(repo, dir) {
	const www = join(dir, 'www');
	cpSync(join(repo, 'www'), www, { recursive: true });
	makeBrowse(join(www, 'browse'));
	makeTree(join(www, 'tree'));
	return www;
}
