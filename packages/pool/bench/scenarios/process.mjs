import { throughputScenario } from './throughput.mjs';

// The same measurement as scenario 1, over child processes: drove
// kind 'process', tinypool runtime 'child_process', poolifier FixedClusterPool.
// Here process CPU is the parent's alone: children are not counted.
export default throughputScenario({
  id: 'process',
  number: 6,
  kind: 'process',
  title: (sizes) =>
    `process kind: ${sizes.processTasks.toLocaleString('en-US')} echo tasks submitted at once, 2 child processes ` +
    `(tinypool child_process, poolifier FixedClusterPool)`,
  tasks: (sizes) => sizes.processTasks,
});
