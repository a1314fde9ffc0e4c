// Screenshots at phone and desktop sizes and in dark mode: each the
// size asked for, not blank (many colours: text, lines, links), and
// light, or dark, behind the text.
import { test } from './lib/harness.mjs';
import { pngStats } from './lib/png.mjs';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
// Antialiased text alone gives dozens; a blank or one-box page a handful.
const MIN_COLOURS = 16;

async function shot(t, page, path, viewport, scheme) {
	await page.goto(`${t.site.base}${path}`, { waitUntil: 'load' });
	const png = await page.screenshot({ type: 'png' });
	const s = pngStats(png);
	if (s.width !== viewport.width || s.height !== viewport.height)
		throw new Error(`screenshot ${s.width}x${s.height}, want ${viewport.width}x${viewport.height}`);
	if (s.colours < MIN_COLOURS)
		throw new Error(`screenshot nearly blank: ${s.colours} colours, corner ${s.corner}`);
	const luma = (s.corner[0] + s.corner[1] + s.corner[2]) / 3;
	if (scheme !== 'any' && (scheme === 'dark') !== (luma < 96))
		throw new Error(`background ${s.corner} is not ${scheme}`);
	t.note(`${path}: ${s.width}x${s.height}, ${s.colours} colours, ${scheme} background rgb(${s.corner})`);
}

test('screenshot_listing_phone_390x844', async (t) => {
	await t.page.setViewport(PHONE);
	await shot(t, t.page, '/browse/', PHONE, 'light');
});

test('screenshot_listing_desktop_1280x800', async (t) => {
	await shot(t, t.page, '/browse/', DESKTOP, 'light');
});

test('screenshot_listing_dark_mode', async (t) => {
	const page = await t.pageWith({ colorScheme: 'dark' }, DESKTOP);
	await shot(t, page, '/browse/', DESKTOP, 'dark');
});

test('screenshot_index_phone_390x844', async (t) => {
	await t.page.setViewport(PHONE);
	await shot(t, t.page, '/', PHONE, 'any');
});
