// Every process the run starts (servers, browsers), so that an
// interrupted run still ends them, each by its own pid (a browser by its
// process group, which puppeteer makes it lead).
const live = new Set();

export function track(proc, group = false) {
	if (!proc || !proc.pid)
		return;
	const entry = { proc, group };
	live.add(entry);
	proc.once('exit', () => live.delete(entry));
}

export function killAll() {
	for (const { proc, group } of live) {
		try {
			process.kill(group ? -proc.pid : proc.pid, 'SIGKILL');
		} catch {
			// gone already
		}
	}
	live.clear();
}
