import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type * as Toml from 'smol-toml';
import type * as CsvSync from 'csv-parse/sync';

type YamlModule = typeof Yaml;
type TomlModule = typeof Toml;
type CsvModule = typeof CsvSync;

const load = createRequire(import.meta.url);
let yaml: YamlModule | undefined;
let toml: TomlModule | undefined;
let csv: CsvModule | undefined;

/*
 * Parsers loaded on first use. Loading them costs about 50 ms of a build's
 * fixed start (YAML about 29, TOML and CSV about 10 each), and a site may need
 * none: front matter of the common shape is read without the YAML parser, and
 * TOML and CSV appear only in some sites.
 */

/** The `yaml` package. */
export const yamlModule = (): YamlModule => (yaml ??= load('yaml') as YamlModule);
/** The `smol-toml` package. */
export const tomlModule = (): TomlModule => (toml ??= load('smol-toml') as TomlModule);
/** `csv-parse/sync`. */
export const csvModule = (): CsvModule => (csv ??= load('csv-parse/sync') as CsvModule);
