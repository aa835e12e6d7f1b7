// temporary
const t0 = Date.now();
setInterval(() => {
  if (Date.now() - t0 > 6000) {
    process.stderr.write(`PROBE ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
  }
}, 2000).unref();
