// Small steps on a page that more than one test takes.

// Click the element and wait for the page it leads to.
export async function follow(page, element) {
	await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), element.click()]);
}

// The listing row's link whose text is `text`.
export async function rowLink(page, text) {
	for (const a of await page.$$('td.n a[href]')) {
		if (await a.evaluate((el) => el.textContent) === text)
			return a;
	}
	throw new Error(`no row with text ${JSON.stringify(text)}`);
}

// A real mouse click at the centre of the element: press and release
// there, as a person would. (ElementHandle.click aims at the element
// through a script, which Firefox's BiDi does not deliver with scripts
// off.)
export async function mouseClick(page, selector) {
	const el = await page.$(selector);
	if (!el)
		throw new Error(`no ${selector} on the page`);
	const box = await el.boundingBox();
	if (!box)
		throw new Error(`${selector} is not on screen`);
	await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}
