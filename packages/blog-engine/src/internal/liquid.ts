/**
 * liquidjs, by its ES module build. Its package.json has no `exports`, so Node
 * resolves `import 'liquidjs'` to the CommonJS build and scans that file with
 * its CJS lexer before running it: about 20 ms more a thread (the main thread
 * and each render worker) for the same code. Every module of the engine takes
 * liquidjs from here, so a process holds one copy of its classes.
 */
export * from 'liquidjs/dist/liquid.node.mjs';
