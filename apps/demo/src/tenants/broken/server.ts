// The `broken` tenant fails before it is ready, on purpose: the front door shows the runtime backing it off.
console.error('broken: this tenant fails to start on purpose, to show how the runtime backs off a tenant whose starts fail');
process.exit(1);
