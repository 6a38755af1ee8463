/**
 * Plain, independent pose arithmetic for the reader's tests: SE2 and SE3
 * compose / inverse written out by hand (not lib/geometry), and the cost of
 * REFERENCE.md, ½ Σ ‖R e‖² with e = Log(Z⁻¹ X_a⁻¹ X_b), R the square root of
 * the information matrix. The initial costs in REFERENCE.md then check the
 * whole reading path (poses, measurements, information order, breadth-first
 * poses) against an independent program.
 */
import { sqrtInformation } from '../../lib/core/information.js';
import type { G2oGraph } from '../../lib/io/g2o.js';

export type Pose = number[];

export function wrap(t: number): number {
  let r = t - 2 * Math.PI * Math.floor((t + Math.PI) / (2 * Math.PI));
  if (r >= Math.PI) r -= 2 * Math.PI;
  return r;
}

export function se2Compose(a: Pose, b: Pose): Pose {
  const c = Math.cos(a[2]!);
  const s = Math.sin(a[2]!);
  return [a[0]! + c * b[0]! - s * b[1]!, a[1]! + s * b[0]! + c * b[1]!, wrap(a[2]! + b[2]!)];
}

export function se2Inverse(a: Pose): Pose {
  const c = Math.cos(a[2]!);
  const s = Math.sin(a[2]!);
  return [-c * a[0]! - s * a[1]!, s * a[0]! - c * a[1]!, wrap(-a[2]!)];
}

/** Log of SE2: (V(θ)⁻¹ t, θ), V = [[sin θ/θ, −(1−cos θ)/θ], [(1−cos θ)/θ, sin θ/θ]]. */
export function se2Log(x: Pose): Pose {
  const t = wrap(x[2]!);
  const a = Math.abs(t) < 1e-8 ? 1 - (t * t) / 6 : Math.sin(t) / t;
  const b = Math.abs(t) < 1e-8 ? t / 2 : (1 - Math.cos(t)) / t;
  const det = a * a + b * b;
  return [(a * x[0]! + b * x[1]!) / det, (-b * x[0]! + a * x[1]!) / det, t];
}

type Quat = [number, number, number, number]; // x, y, z, w

function qMul(p: Quat, q: Quat): Quat {
  const [px, py, pz, pw] = p;
  const [qx, qy, qz, qw] = q;
  return [
    pw * qx + px * qw + py * qz - pz * qy,
    pw * qy - px * qz + py * qw + pz * qx,
    pw * qz + px * qy - py * qx + pz * qw,
    pw * qw - px * qx - py * qy - pz * qz,
  ];
}

function qRotate(q: Quat, v: number[]): number[] {
  const r = qMul(qMul(q, [v[0]!, v[1]!, v[2]!, 0]), [-q[0], -q[1], -q[2], q[3]]);
  return [r[0], r[1], r[2]];
}

const quat = (x: Pose): Quat => [x[3]!, x[4]!, x[5]!, x[6]!];

export function se3Compose(a: Pose, b: Pose): Pose {
  const t = qRotate(quat(a), b.slice(0, 3));
  let q = qMul(quat(a), quat(b));
  const n = Math.hypot(...q);
  q = q.map((c) => c / n) as Quat;
  if (q[3] < 0) q = q.map((c) => -c) as Quat;
  return [a[0]! + t[0]!, a[1]! + t[1]!, a[2]! + t[2]!, ...q];
}

export function se3Inverse(a: Pose): Pose {
  const qi: Quat = [-a[3]!, -a[4]!, -a[5]!, a[6]!];
  const t = qRotate(qi, a.slice(0, 3));
  return [-t[0]!, -t[1]!, -t[2]!, ...qi];
}

/** Log of SE3: (V(ω)⁻¹ t, ω), ω of the quaternion with w ≥ 0; V⁻¹ = I − ½Ŵ + c Ŵ², c = (1 − θ sin θ / (2(1 − cos θ))) / θ². */
export function se3Log(x: Pose): Pose {
  let q = quat(x);
  if (q[3] < 0) q = q.map((c) => -c) as Quat;
  const n = Math.hypot(q[0], q[1], q[2]);
  const theta = 2 * Math.atan2(n, q[3]);
  const k = n < 1e-12 ? 2 / q[3] : theta / n;
  const w = [k * q[0], k * q[1], k * q[2]];
  const c = theta < 1e-4 ? 1 / 12 + (theta * theta) / 720 : (1 - (theta * Math.sin(theta)) / (2 * (1 - Math.cos(theta)))) / (theta * theta);
  const t = x.slice(0, 3);
  const wxt = cross(w, t);
  const wxwxt = cross(w, wxt);
  return [0, 1, 2].map((i) => t[i]! - 0.5 * wxt[i]! + c * wxwxt[i]!).concat(w);
}

function cross(a: number[], b: number[]): number[] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

export function pose(graph: G2oGraph, i: number, poses = graph.poses): Pose {
  const k = graph.kind === 'se2' ? 3 : 7;
  return Array.from(poses.subarray(i * k, i * k + k));
}

export function measurement(graph: G2oGraph, e: number): Pose {
  const k = graph.kind === 'se2' ? 3 : 7;
  return Array.from(graph.measurements.subarray(e * k, e * k + k));
}

/** ½ Σ ‖R e‖², e = Log(Z⁻¹ X_a⁻¹ X_b). */
export function poseGraphCost(graph: G2oGraph): number {
  const se2 = graph.kind === 'se2';
  const d = se2 ? 3 : 6;
  const tri = (d * (d + 1)) / 2;
  const compose = se2 ? se2Compose : se3Compose;
  const inverse = se2 ? se2Inverse : se3Inverse;
  const log = se2 ? se2Log : se3Log;
  const { sqrt } = sqrtInformation(graph.information, d);
  let cost = 0;
  for (let e = 0; e < graph.from.length; e++) {
    const xa = pose(graph, graph.from[e]!);
    const xb = pose(graph, graph.to[e]!);
    const r = log(compose(inverse(measurement(graph, e)), compose(inverse(xa), xb)));
    let p = 0;
    for (let i = 0; i < d; i++) {
      let y = 0;
      for (let j = i; j < d; j++) y += sqrt[e * tri + p + (j - i)]! * r[j]!;
      p += d - i;
      cost += y * y;
    }
  }
  return cost / 2;
}
