// V8's settings for the main step, set from inside the process: the runner starts `node dist/index.js` and takes no
// Node or V8 flags from an action.

/**
 * Stops V8's optimizing compilers (Maglev and TurboFan) for the rest of this process; code keeps running in the
 * interpreter and the baseline compiler (Sparkplug). The main step lives about a second and spends it waiting on
 * registries: in it, optimizing a few hundred hot functions costs more CPU than the optimized code saves, and it makes
 * the kernel page in several MiB of the compilers' own machine code from the node binary, plus their working memory
 * (bench/README.md: peak memory 83.4 -> 76 MiB for 50 images, CPU time not more). V8 reads these two flags each time
 * it decides to optimize a function, so setting them after start-up takes effect. Call it once the built-ins the run
 * needs are loaded: after any flag changes, V8 refuses Node's compiled code cache for the built-ins loaded later, and
 * they compile from source (about twice the CPU to load them).
 */
export function stopOptimizingCompilers(): void {
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString('--no-maglev');
  v8.setFlagsFromString('--no-turbofan');
}
