// Command-line options of the peer's scripts, with Node's own parser.
// Each key of `defaults` is an option in kebab case (redisPort ↔
// --redis-port); a number default makes a number.
const { parseArgs } = require('node:util');

const kebab = (k) => k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function parse(script, defaults, extra = {}) {
  const options = { ...extra };
  for (const k of Object.keys(defaults)) options[kebab(k)] = { type: 'string' };
  let values;
  try {
    ({ values } = parseArgs({ options, strict: true }));
  } catch (e) {
    console.error(`${script}: ${e.message}`);
    process.exit(2);
  }
  const o = { ...defaults };
  for (const k of Object.keys(defaults)) {
    const v = values[kebab(k)];
    if (v !== undefined) o[k] = typeof defaults[k] === 'number' ? Number(v) : v;
  }
  return { o, values };
}

module.exports = { parse };
