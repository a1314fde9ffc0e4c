// A single-page app served the way a static host serves it
// (fixtures/spa/: a History API router in a hashed ES module that imports
// another, a .wasm instantiated with instantiateStreaming, and a page
// that reports crossOriginIsolated), in each browser:
//   - pushState navigation, Back and Forward (popstate), then a reload on
//     the deep link and a direct load of another one: --spa answers the
//     entry page and the router puts the app back where it was;
//   - the ES modules load (text/javascript) and instantiateStreaming
//     works (application/wasm); a missing hashed asset is a 404;
//   - crossOriginIsolated is true with --isolate, false without.
// Written for the shared runner (run.mjs, lib/harness.mjs, lib/server.mjs).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from './lib/harness.mjs';
import { startServer } from './lib/server.mjs';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'spa');

async function serve(t, args) {
	const srv = await startServer(FIXTURE, args);
	t.defer(() => srv.stop());
	return srv;
}

// The app has rendered route and finished with the wasm (either way).
async function appAt(page, path) {
	await page.waitForFunction((p) => window.app && window.app.ready && window.app.route === p,
		{}, path);
	return page.evaluate(() => ({
		view: document.getElementById('view').textContent,
		wasm: window.app.wasm,
		wasmError: window.app.wasmError,
		loads: performance.getEntriesByType('navigation').length,
	}));
}

function expect(what, got, want) {
	if (got !== want)
		throw new Error(`${what}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

test('spa_history_navigation_and_deep_link_reload', async (t) => {
	const { page } = t;
	const srv = await serve(t, ['--spa']);
	const first = await page.goto(`${srv.base}/`);
	expect('GET /', first.status(), 200);
	expect('home view', (await appAt(page, '/')).view, 'route: home');
	// A marker on the window survives pushState, not a page load.
	await page.evaluate(() => (window.sameDocument = true));
	await page.click('a[href="/users/42"]');
	const pushed = await appAt(page, '/users/42');
	expect('view after pushState', pushed.view, 'route: user 42');
	expect('same document after pushState', await page.evaluate(() => window.sameDocument), true);
	expect('URL after pushState', page.url(), `${srv.base}/users/42`);
	// Back and Forward inside the document: popstate, no request. (In the
	// page rather than page.goBack(), which waits for a navigation that
	// Firefox's BiDi never reports for a same-document one.)
	await page.evaluate(() => history.back());
	expect('view after Back', (await appAt(page, '/')).view, 'route: home');
	await page.evaluate(() => history.forward());
	expect('view after Forward', (await appAt(page, '/users/42')).view, 'route: user 42');
	expect('same document after Back and Forward', await page.evaluate(() => window.sameDocument), true);
	// Reload on the deep link: the server must give the app back.
	const reloaded = await page.reload();
	expect('reload /users/42: status', reloaded.status(), 200);
	expect('reload: Content-Type', reloaded.headers()['content-type'], 'text/html');
	expect('reload: Vary', reloaded.headers()['vary'], 'Accept');
	expect('view after reload', (await appAt(page, '/users/42')).view, 'route: user 42');
	expect('a new document after reload', await page.evaluate(() => window.sameDocument), undefined);
	const deep = await page.goto(`${srv.base}/users/ada/`);
	expect('GET /users/ada/', deep.status(), 200);
	expect('view of a direct deep link', (await appAt(page, '/users/ada/')).view, 'route: user ada');
	t.note(`pushState, reload and a direct deep link in ${t.browserName}: the app came back each time`);
});

test('spa_es_modules_and_wasm_instantiate_streaming', async (t) => {
	const { page } = t;
	const srv = await serve(t, ['--spa']);
	const types = {};
	page.on('response', (r) => (types[new URL(r.url()).pathname] = `${r.status()} ${r.headers()['content-type']}`));
	await page.goto(`${srv.base}/users/7`);
	const app = await appAt(page, '/users/7');
	expect('view (the imported module ran)', app.view, 'route: user 7');
	if (app.wasm !== 5)
		throw new Error(`add(2, 3) from add.wasm: ${app.wasm} (${app.wasmError})`);
	expect('/app.3f2a1b.js', types['/app.3f2a1b.js'], '200 text/javascript');
	expect('/lib/route.9d8c7b.mjs', types['/lib/route.9d8c7b.mjs'], '200 text/javascript');
	expect('/add.wasm', types['/add.wasm'], '200 application/wasm');
	// A missing hashed asset stays missing, even for the app's own fetch.
	const missing = await page.evaluate(async () => {
		const r = await fetch('/app.000000.js');
		return `${r.status} ${r.headers.get('content-type')}`;
	});
	expect('fetch /app.000000.js', missing, '404 text/html');
	t.note(`ES modules and instantiateStreaming in ${t.browserName}: add(2, 3) = 5`);
});

for (const isolate of [true, false]) {
	test(`cross_origin_isolated_${isolate ? 'with' : 'without'}_isolate`, async (t) => {
		const { page } = t;
		const srv = await serve(t, isolate ? ['--spa', '--isolate'] : ['--spa']);
		const res = await page.goto(`${srv.base}/isolation.html`);
		expect('status', res.status(), 200);
		await page.waitForFunction(() => document.getElementById('out').textContent !== 'pending');
		const got = await page.evaluate(() => ({
			isolated: self.crossOriginIsolated,
			text: document.getElementById('out').textContent,
		}));
		expect('crossOriginIsolated', got.isolated, isolate);
		if (isolate) {
			expect('the page says', got.text, 'crossOriginIsolated: true; SharedArrayBuffer: function');
			// The app under isolation still loads its modules and wasm.
			await page.goto(`${srv.base}/deep/link`);
			const app = await appAt(page, '/deep/link');
			expect('wasm under isolation', app.wasm, 5);
		}
		t.note(`${t.browserName}: ${got.text}`);
	});
}
