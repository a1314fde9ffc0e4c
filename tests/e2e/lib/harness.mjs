// The test registry and the context each test gets. A test file
// registers its tests with test(); run.mjs runs each one in every
// browser (or once, for a test that needs none) and prints cmocka's
// lines, which tests/run-tests.sh adds to the suite's total.
//
//   test('name', async (t) => { ... }, { browser: true, needs: ['wget'], timeout: ms });
//
// browser: false runs the test once, with no browser (a client such as
// wget); needs names what it cannot run without (wget, openssl, tls: see
// NEEDS in run.mjs), and it is skipped, saying why, when that is missing.
// A test that needs the server with other flags starts its own:
//   const srv = await startServer(t.site.root, ['--flag']);  // lib/server.mjs
//   t.defer(() => srv.stop());
//
// t.page        a new page in a fresh browser context (no shared cache or
//               cookies), 1280x800; closed after the test
// t.newPage(viewport)  another one
// t.browser     the puppeteer Browser, t.browserName 'chromium'|'firefox'
// t.site        { root, base, log() }: the shared server over the test tree
// t.tmp         a scratch directory of the run
// t.note(...)   a line to show under the test's name
// t.defer(fn)   run fn after the test, pass or fail (last first)
// t.skip(why)   end the test as skipped
// t.pageWith({ javascript: false, colorScheme: 'dark' })
//               a page with those settings: emulated where the browser's
//               protocol can, else in a browser launched with them
import { withBrowser } from './browsers.mjs';

export const registry = [];

export function test(name, fn, opts = {}) {
	registry.push({ name, fn, browser: opts.browser !== false, needs: opts.needs || [], timeout: opts.timeout || 180000 });
}

export class Skip extends Error {}

// Polls fn until it returns a truthy value; bounded, never a bare sleep.
export async function until(what, fn, ms = 15000) {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
		await new Promise((ok) => setTimeout(ok, 100));
	}
}

export function makeContext(base) {
	const deferred = [];
	const t = {
		...base,
		notes: [],
		note: (...a) => t.notes.push(a.join(' ')),
		defer: (fn) => deferred.push(fn),
		skip: (why) => {
			throw new Skip(why);
		},
		async newPage(viewport = { width: 1280, height: 800 }) {
			const ctx = await t.browser.createBrowserContext();
			t.defer(() => ctx.close());
			const page = await ctx.newPage();
			page.setDefaultTimeout(45000);
			page.setDefaultNavigationTimeout(45000);
			await page.setViewport(viewport);
			return page;
		},
		async pageWith(settings, viewport) {
			if (t.browserName === 'chromium') {
				const page = await t.newPage(viewport);
				if (settings.javascript === false)
					await page.setJavaScriptEnabled(false);
				if (settings.colorScheme)
					await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: settings.colorScheme }]);
				return page;
			}
			// Firefox's BiDi has neither: a browser of its own, with prefs.
			let release;
			const done = new Promise((ok) => (release = ok));
			return new Promise((resolve, reject) => {
				const closed = withBrowser(t.browserName, { ...t.launchOpts, ...settings }, async (browser) => {
					const page = await browser.newPage();
					page.setDefaultTimeout(45000);
					await page.setViewport(viewport || { width: 1280, height: 800 });
					resolve(page);
					await done;
				}).catch(reject);
				t.defer(() => {
					release();
					return closed;
				});
			});
		},
	};
	t.cleanup = async () => {
		while (deferred.length) {
			try {
				await deferred.pop()();
			} catch {
				// the test's outcome is what counts
			}
		}
	};
	return t;
}
