// One Eleventy build in a process of its own. argv: the project folder (made by eleventy-site.mjs)
import Eleventy from '@11ty/eleventy';

process.chdir(process.argv[2]);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const elev = new Eleventy('src', '_site', { configPath: 'eleventy.config.mjs', quietMode: true });
await elev.write();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
