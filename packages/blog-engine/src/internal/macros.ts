import { BlogEngineError } from '../errors.js';
import type { Macro, MacroCall } from '../site-config.js';
import { hashOf } from './hash.js';

const callPattern = /\{\{<\s*([A-Za-z][\w-]*)((?:\s+(?:[\w-]+=)?(?:"(?:[^"\\\n]|\\.)*"|(?:(?!>\}\})[^\s"])+))*)\s*>\}\}/g;
const argPattern = /(?:([\w-]+)=)?(?:"((?:[^"\\\n]|\\.)*)"|([^\s"]+))/g;

function parseArgs(text: string): { args: string[]; named: Record<string, string> } {
  const args: string[] = [];
  const named: Record<string, string> = {};
  for (const match of text.matchAll(argPattern)) {
    const value = match[2] === undefined ? match[3]! : match[2].replace(/\\(.)/g, '$1');
    if (match[1]) named[match[1]] = value;
    else args.push(value);
  }
  return { args, named };
}

/** Lines inside fenced code blocks (``` or ~~~): macros there are shown, not run. */
function fencedLines(lines: string[]): Set<number> {
  const inside = new Set<number>();
  let fence: string | undefined;
  for (const [index, line] of lines.entries()) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker) {
      fence = marker;
      inside.add(index);
    } else if (fence !== undefined) {
      inside.add(index);
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    }
  }
  return inside;
}

/** The macro pre-pass's state for one build: the cache read from the database and what this build added and used. */
export class MacroExpander {
  readonly #macros: Record<string, Macro>;
  readonly #cache: Map<string, string>;
  readonly #sources = new Map<string, string>();
  readonly added: { key: string; output: string }[] = [];
  readonly used = new Set<string>();
  calls = 0;

  constructor(macros: Record<string, Macro>, cache: Map<string, string>) {
    this.#macros = macros;
    this.#cache = cache;
    for (const [name, fn] of Object.entries(macros)) this.#sources.set(name, fn.toString());
  }

  /** True when the body holds a macro call (a cheap test before the real pass). */
  static mentions(body: string): boolean {
    return body.includes('{{<');
  }

  /**
   * Replaces every macro call in a body with the macro's output. Calls run one
   * after another on the main thread; a result is reused when the call's input
   * hash (macro source, name, arguments, file) was seen before.
   *
   * @param bodyLine the file line where the body starts, for error lines.
   */
  async expand(body: string, file: string, bodyLine: number, problems: BlogEngineError[]): Promise<string> {
    if (!MacroExpander.mentions(body)) return body;
    const lines = body.split('\n');
    const fenced = fencedLines(lines);
    let failed = false;
    const out: string[] = [];
    for (const [index, line] of lines.entries()) {
      if (fenced.has(index) || !line.includes('{{<')) {
        out.push(line);
        continue;
      }
      let result = '';
      let last = 0;
      for (const match of line.matchAll(callPattern)) {
        result += line.slice(last, match.index);
        last = match.index + match[0].length;
        const name = match[1]!;
        const fileLine = bodyLine + index;
        const macro = this.#macros[name];
        if (!macro) {
          problems.push(new BlogEngineError('ERR_BLOG_MACRO', `unknown macro \`${name}\` (known: ${Object.keys(this.#macros).join(', ') || 'none'})`, { file, line: fileLine }));
          failed = true;
          continue;
        }
        const { args, named } = parseArgs(match[2] ?? '');
        const key = hashOf(this.#sources.get(name)!, name, JSON.stringify(args), JSON.stringify(named), file);
        this.used.add(key);
        let output = this.#cache.get(key);
        if (output === undefined) {
          const call: MacroCall = { name, args, named, file, line: fileLine };
          try {
            this.calls++;
            const value = await macro(call);
            if (typeof value !== 'string') throw new TypeError(`it returned ${typeof value}, expected a string`);
            output = value;
          } catch (error) {
            problems.push(new BlogEngineError('ERR_BLOG_MACRO', `macro \`${name}\` failed: ${(error as Error).message}`, { file, line: fileLine, cause: error }));
            failed = true;
            continue;
          }
          this.#cache.set(key, output);
          this.added.push({ key, output });
        }
        result += output;
      }
      out.push(result + line.slice(last));
    }
    return failed ? body : out.join('\n');
  }
}
