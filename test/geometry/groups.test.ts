// The shared property suite on every group: SO2, SE2, SO3, SE3 and Vector(3).
import { fixtures } from './fixtures.js';
import { groupProperties, jacobianErrors, JACOBIAN_TOLERANCE } from './group-properties.js';

for (const fx of fixtures) groupProperties(fx);

afterAll(() => {
  // ARIADNE_JACOBIAN_REPORT=1 prints the largest Jacobian error per group, point and verb.
  if (!process.env.ARIADNE_JACOBIAN_REPORT) return;
  const lines = [`largest Jacobian error (|analytic − numeric| / max(1, |numeric|), tolerance ${JACOBIAN_TOLERANCE}):`];
  for (const [group, byPoint] of jacobianErrors) {
    for (const [point, byVerb] of byPoint) {
      const worst = [...byVerb.entries()].sort((a, b) => b[1] - a[1]);
      lines.push(
        `${group.padEnd(8)} ${point.padEnd(22)} ${worst.map(([verb, e]) => `${verb.split(' ')[0]}${verb.includes('(') ? verb.slice(verb.indexOf('(')) : ''} ${e.toExponential(1)}`).join('; ')}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
});
