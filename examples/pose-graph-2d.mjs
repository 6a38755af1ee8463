// A 2D pose graph (SE2) from a g2o file: solved with Levenberg-Marquardt, the
// solution written as g2o and drawn before and after (SVG, edges coloured by
// their cost). Without a file it reads ../shared/data/g2o-2d/intel.g2o where
// that folder lies beside the repository, else generates a Manhattan world.
// The flow is in pose-graph.mjs.
//
//   npm run build:ts && node examples/pose-graph-2d.mjs [file.g2o] [--out DIR] [--generate] [--quick]
//
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import { manhattanWorld } from 'ariadne';

import { poseGraphExample } from './pose-graph.mjs';

poseGraphExample({
  script: 'pose-graph-2d.mjs',
  dataFile: 'g2o-2d/intel.g2o',
  generate: (quick) => {
    const poses = quick ? 300 : 2000;
    return { world: manhattanWorld({ poses, seed: 1 }), description: `a generated Manhattan world of ${poses} poses (manhattanWorld, seed 1)` };
  },
  view: 'top',
});
