// liquidjs ships no declarations for its ES module build: they are its package's.
declare module 'liquidjs/dist/liquid.node.mjs' {
  export * from 'liquidjs';
}
