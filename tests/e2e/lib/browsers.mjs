// The two browsers, launched from Debian's packages by puppeteer-core:
// chromium over the DevTools protocol, firefox-esr over WebDriver BiDi.
// Nothing is downloaded: each runs the executable found on PATH (or
// named by $CHROMIUM / $FIREFOX) with a fresh profile in a directory we
// made, and with everything that would reach beyond loopback turned off,
// since the machine has no other network.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { track } from './procs.mjs';

const CHROMIUM_ARGS = [
	'--no-sandbox', // root in CI; the profile is throw-away
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--disable-gpu',
	'--disable-quic',
	'--disable-domain-reliability',
	'--disable-crash-reporter',
	'--disable-breakpad',
	'--hide-scrollbars',
	'--mute-audio',
];

// Background traffic of every kind off: updates, telemetry, studies,
// captive-portal and connectivity probes, safe browsing, remote settings.
const FIREFOX_PREFS = {
	'app.update.enabled': false,
	'app.update.auto': false,
	'app.update.checkInstallTime': false,
	'app.normandy.enabled': false,
	'app.normandy.api_url': '',
	'app.shield.optoutstudies.enabled': false,
	'browser.aboutHomeSnippets.updateUrl': '',
	'browser.discovery.enabled': false,
	'browser.newtabpage.enabled': false,
	'browser.ping-centre.telemetry': false,
	'browser.region.network.url': '',
	'browser.safebrowsing.downloads.enabled': false,
	'browser.safebrowsing.downloads.remote.enabled': false,
	'browser.safebrowsing.malware.enabled': false,
	'browser.safebrowsing.phishing.enabled': false,
	'browser.safebrowsing.provider.google4.updateURL': '',
	'browser.search.update': false,
	'browser.shell.checkDefaultBrowser': false,
	'browser.startup.homepage_override.mstone': 'ignore',
	'captivedetect.canonicalURL': '',
	'browser.topsites.contile.enabled': false,
	'browser.newtabpage.activity-stream.feeds.system.topstories': false,
	'datareporting.healthreport.uploadEnabled': false,
	'dom.push.connection.enabled': false,
	'datareporting.policy.dataSubmissionEnabled': false,
	'extensions.update.enabled': false,
	'extensions.getAddons.cache.enabled': false,
	'extensions.blocklist.enabled': false,
	'extensions.systemAddon.update.enabled': false,
	'media.gmp-manager.url': '',
	'media.gmp-gmpopenh264.enabled': false,
	'network.captive-portal-service.enabled': false,
	'network.connectivity-service.enabled': false,
	'network.dns.disablePrefetch': true,
	'network.http.speculative-parallel-limit': 0,
	'network.http.http3.enable': false,
	'network.prefetch-next': false,
	'network.trr.mode': 5,
	'services.settings.server': 'http://127.0.0.1:9/',
	'toolkit.telemetry.enabled': false,
	'toolkit.telemetry.unified': false,
	'toolkit.telemetry.server': '',
	// Media plays without a user gesture, as in chromium with muted video.
	'media.autoplay.default': 0,
};

// name -> how to find and launch it. `pkg` is the Debian package that
// brings it, for the "skipped" line.
export const BROWSERS = {
	chromium: { pkg: 'chromium', env: 'CHROMIUM', commands: ['chromium', 'chromium-browser'] },
	firefox: { pkg: 'firefox-esr', env: 'FIREFOX', commands: ['firefox-esr', 'firefox'] },
};

export function findBrowser(name) {
	const b = BROWSERS[name];
	if (process.env[b.env])
		return process.env[b.env];
	for (const cmd of b.commands) {
		try {
			const path = execFileSync('sh', ['-c', 'command -v "$0"', cmd], {
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'ignore'],
			}).trim();
			if (path)
				return path;
		} catch {
			// not this one
		}
	}
	return null;
}

function launchOptions(name, executablePath, profile, opts) {
	const common = {
		executablePath,
		headless: true,
		acceptInsecureCerts: !!opts.acceptInsecureCerts,
		userDataDir: profile,
		protocolTimeout: 60000,
		// Starting takes seconds, but a minute at a load of 30 on two cores.
		timeout: 120000,
		// The runner ends the browsers itself, by pid if need be.
		handleSIGINT: false,
		handleSIGTERM: false,
		handleSIGHUP: false,
		dumpio: !!process.env.E2E_DUMPIO,
	};
	if (name === 'chromium') {
		const args = [...CHROMIUM_ARGS];
		const blink = [];
		if (opts.colorScheme === 'dark') {
			args.push('--force-dark-mode');
			blink.push('preferredColorScheme=0');
		}
		if (opts.javascript === false)
			blink.push('scriptEnabled=false');
		if (blink.length)
			args.push(`--blink-settings=${blink.join(',')}`);
		return { ...common, browser: 'chrome', protocol: 'cdp', args };
	}
	const prefs = { ...FIREFOX_PREFS };
	// 0 dark, 1 light: what prefers-color-scheme says to pages.
	prefs['layout.css.prefers-color-scheme.content-override'] = opts.colorScheme === 'dark' ? 0 : 1;
	if (opts.javascript === false)
		prefs['javascript.enabled'] = false;
	return {
		...common,
		browser: 'firefox',
		protocol: 'webDriverBiDi',
		extraPrefsFirefox: prefs,
	};
}

// Launch browser `name` (a key of BROWSERS), hand it to fn, and close it
// whatever fn did; a browser that will not close is killed by pid.
// opts: colorScheme ('light' | 'dark'), acceptInsecureCerts, tmp (the
// directory to make the profile in).
export async function withBrowser(name, opts, fn) {
	const puppeteer = (await import('puppeteer-core')).default;
	const executablePath = findBrowser(name);
	if (!executablePath)
		throw new Error(`${name}: missing Debian package: ${BROWSERS[name].pkg}`);
	const profile = mkdtempSync(join(opts.tmp, `${name}-profile-`));
	const browser = await puppeteer.launch(launchOptions(name, executablePath, profile, opts));
	track(browser.process(), true);
	try {
		return await fn(browser);
	} finally {
		await closeBrowser(browser);
		rmSync(profile, { recursive: true, force: true });
	}
}

async function closeBrowser(browser) {
	const proc = browser.process();
	let timer;
	const timeout = new Promise((resolve) => {
		timer = setTimeout(resolve, 10000, 'timeout');
	});
	const how = await Promise.race([browser.close().catch(() => 'error'), timeout]);
	clearTimeout(timer);
	if (how && proc && proc.exitCode === null && proc.signalCode === null)
		proc.kill('SIGKILL');
}

export async function browserVersion(browser) {
	return (await browser.version()).replace(/\s+/g, ' ');
}
