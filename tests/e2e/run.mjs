#!/usr/bin/env node
// Browser end to end: every *.test.mjs beside this file, in chromium and
// in firefox-esr (Debian's, driven by puppeteer-core: CDP and WebDriver
// BiDi), against the built httpd-lite ($HTTPD_LITE_BIN) serving a copy of
// www/ plus generated trees (lib/site.mjs) on a free loopback port.
//
//   HTTPD_LITE_BIN=./httpd-lite node tests/e2e/run.mjs [--browser NAME]... [NAME-PART]...
//
// --browser limits the browsers (chromium, firefox; or E2E_BROWSERS=a,b),
// NAME-PART the tests (substring of a test's name). A browser that is
// not installed, or node_modules that `make deps` has not made, skips
// that browser's tests and says so. Prints cmocka's lines, one block per
// browser, so that tests/run-tests.sh adds them up; exits 1 if any
// failed. With E2E_REQUIRED=1 (CI, which installs them) a missing
// browser or node_modules is a failure instead.
//
// Adding a test: a new SUBJECT.test.mjs here, calling test() from
// lib/harness.mjs (see there for what a test is handed). Each test gets a
// fresh browser context; a test that needs its own server calls
// startServer() from lib/server.mjs.
import { mkdtempSync, readdirSync, rmSync, accessSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registry, makeContext, Skip } from './lib/harness.mjs';
import { BROWSERS, findBrowser, withBrowser, browserVersion } from './lib/browsers.mjs';
import { startServer, serverBin } from './lib/server.mjs';
import { makeSite } from './lib/site.mjs';
import { killAll } from './lib/procs.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const t0 = Date.now();
// Removed on any exit, an interrupted one too.
let scratch = null;

function parseArgs(argv) {
	const browsers = [], filters = [];
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--browser')
			browsers.push(argv[++i]);
		else
			filters.push(argv[i]);
	}
	if (!browsers.length)
		browsers.push(...(process.env.E2E_BROWSERS || Object.keys(BROWSERS).join(',')).split(','));
	for (const b of browsers) {
		if (!BROWSERS[b])
			throw new Error(`unknown browser ${b}: one of ${Object.keys(BROWSERS).join(', ')}`);
	}
	return { browsers, filters };
}

function haveCommand(cmd) {
	try {
		execFileSync('sh', ['-c', 'command -v "$0"', cmd], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

// What a test's `needs` names, and why it is missing ('' when there).
const NEEDS = {
	wget: () => (haveCommand('wget') ? '' : 'missing Debian package: wget'),
	openssl: () => (haveCommand('openssl') ? '' : 'missing Debian package: openssl'),
	tls: () => {
		const v = execFileSync(serverBin(), ['--version'], { encoding: 'utf8' });
		return /tls=on/.test(v) ? '' : 'this build has no TLS';
	},
};

function missingNeed(test) {
	for (const n of test.needs) {
		const why = NEEDS[n]();
		if (why)
			return why;
	}
	return '';
}

async function puppeteerInstalled() {
	try {
		await import('puppeteer-core');
		return true;
	} catch {
		return false;
	}
}

function withTimeout(promise, ms, what) {
	let timer;
	promise.catch(() => {}); // settles after a timeout: nobody waits then
	const timeout = new Promise((_, no) => {
		timer = setTimeout(() => no(new Error(`${what}: no end after ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One block of cmocka's lines for a group of tests.
class Block {
	constructor(title) {
		this.passed = 0;
		this.failed = [];
		this.skipped = [];
		this.start = Date.now();
		console.log(`[==========] ${title}`);
	}
	result(label, outcome, notes, ms = null) {
		if (outcome !== 'skip')
			console.log(`[ RUN      ] ${label}`);
		for (const n of notes)
			console.log(n.replace(/^/gm, '    '));
		if (outcome === 'ok') {
			this.passed++;
			console.log(`[       OK ] ${label}${ms === null ? '' : ` (${(ms / 1000).toFixed(1)} s)`}`);
		} else if (outcome === 'skip') {
			this.skipped.push(label);
			console.log(`[  SKIPPED ] ${label}`);
		} else {
			this.failed.push(label);
			console.log(`[  FAILED  ] ${label}`);
		}
	}
	end() {
		const run = this.passed + this.failed.length;
		console.log(`[==========] ${run} test(s) run in ${((Date.now() - this.start) / 1000).toFixed(1)} s.`);
		console.log(`[  PASSED  ] ${this.passed} test(s).`);
		if (this.skipped.length)
			console.log(`[  SKIPPED ] ${this.skipped.length} test(s).`);
		if (this.failed.length) {
			console.log(`[  FAILED  ] ${this.failed.length} test(s), listed below:`);
			for (const f of this.failed)
				console.log(`[  FAILED  ] ${f}`);
		}
		return this.failed.length;
	}
}

async function runOne(test, base, block, label) {
	const why = missingNeed(test);
	if (why) {
		block.result(label, 'skip', [why]);
		return;
	}
	const t = makeContext(base);
	const start = Date.now();
	let outcome = 'ok';
	try {
		await withTimeout((async () => {
			if (test.browser)
				t.page = await t.newPage();
			await test.fn(t);
		})(), test.timeout, test.name);
	} catch (e) {
		if (e instanceof Skip) {
			outcome = 'skip';
			t.note(e.message);
		} else {
			outcome = 'fail';
			t.note(e && e.stack && !(e.message || '').includes('\n') ? e.stack.split('\n').slice(0, 3).join('\n') : String(e.message || e));
		}
	}
	await withTimeout(t.cleanup(), 30000, `${test.name} cleanup`).catch((e) => t.note(e.message));
	block.result(label, outcome, t.notes, Date.now() - start);
}

async function runBrowser(name, tests, shared, havePuppeteer) {
	const skipAll = (why) => {
		// Where the browsers were installed for the purpose (CI), missing
		// is a failure, not a skip.
		if (process.env.E2E_REQUIRED === '1') {
			const block = new Block(`e2e in ${name}: required, but ${why}`);
			block.result(`${name}: launch`, 'fail', [why]);
			return block.end();
		}
		console.log(`e2e: skipped in ${name} (${why})`);
		console.log(`[  SKIPPED ] ${tests.length} test(s).`);
		return 0;
	};
	if (!havePuppeteer)
		return skipAll('no tests/e2e/node_modules: run make deps');
	if (!findBrowser(name))
		return skipAll(`missing Debian package: ${BROWSERS[name].pkg}`);
	const launchOpts = { tmp: shared.tmp, acceptInsecureCerts: true };
	let block;
	try {
		await withBrowser(name, launchOpts, async (browser) => {
			block = new Block(`e2e in ${name} (${await browserVersion(browser)}) against ${serverBin()}`);
			for (const test of tests) {
				await runOne(test, { ...shared, browser, browserName: name, launchOpts }, block,
					`${name}: ${test.name}`);
			}
		});
	} catch (e) {
		block = block || new Block(`e2e in ${name}: the browser did not start`);
		block.result(`${name}: launch`, 'fail', [String(e.message || e)]);
	}
	return block.end();
}

async function main() {
	const { browsers, filters } = parseArgs(process.argv.slice(2));
	for (const f of readdirSync(HERE).filter((f) => f.endsWith('.test.mjs')).sort())
		await import(pathToFileURL(join(HERE, f)).href);
	const tests = registry.filter((t) => !filters.length || filters.some((f) => t.name.includes(f)));
	try {
		accessSync(serverBin(), constants.X_OK);
	} catch {
		console.log(`[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] e2e: no server binary at ${serverBin()}`);
		return 1;
	}
	const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'httpd-lite-e2e-'));
	scratch = tmp;
	let server;
	let failed = 0;
	try {
		const root = makeSite(REPO, tmp);
		server = await startServer(root);
		const shared = { tmp, repo: REPO, site: { root, base: server.base, log: server.log } };
		const once = tests.filter((t) => !t.browser);
		if (once.length) {
			const block = new Block(`e2e without a browser against ${serverBin()}`);
			for (const test of once)
				await runOne(test, shared, block, test.name);
			failed += block.end();
		}
		const inBrowser = tests.filter((t) => t.browser);
		const havePuppeteer = await puppeteerInstalled();
		for (const name of browsers)
			failed += await runBrowser(name, inBrowser, shared, havePuppeteer);
	} finally {
		if (server)
			await server.stop();
		rmSync(tmp, { recursive: true, force: true });
	}
	if (failed && server)
		console.log(`--- server log (last lines)\n${server.log().split('\n').slice(-20).join('\n')}`);
	console.log(`e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
	return failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
	process.on(sig, () => process.exit(130));
process.on('exit', () => {
	killAll();
	if (scratch)
		rmSync(scratch, { recursive: true, force: true });
});
main().then((rc) => process.exit(rc), (e) => {
	console.log(`[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] e2e: ${e.stack || e}`);
	process.exit(1);
});
