#!/usr/bin/env node
// Committed so that npm links the command at install time, before dist/ is built (npm skips a bin whose file is missing).
import '../dist/cli.js';
