// A 3D pose graph (SE3) from a g2o file: solved with Levenberg-Marquardt, the
// solution written as g2o and drawn before and after in an oblique view (SVG,
// edges coloured by their cost). Without a file it reads
// ../shared/data/g2o-3d/sphere2500.g2o where that folder lies beside the
// repository, else generates a sphere world. The flow is in pose-graph.mjs.
//
//   npm run build:ts && node examples/pose-graph-3d.mjs [file.g2o] [--out DIR] [--generate] [--quick]
//
// Output goes to examples/output/ (git-ignored) unless --out names a folder.
import { sphereWorld } from 'ariadne';

import { poseGraphExample } from './pose-graph.mjs';

poseGraphExample({
  script: 'pose-graph-3d.mjs',
  dataFile: 'g2o-3d/sphere2500.g2o',
  generate: (quick) => {
    const [rings, perRing] = quick ? [8, 30] : [25, 100];
    const description = `a generated sphere of ${rings} rings × ${perRing} poses (sphereWorld, seed 1)`;
    return { world: sphereWorld({ rings, perRing, seed: 1 }), description };
  },
  view: 'iso',
});
