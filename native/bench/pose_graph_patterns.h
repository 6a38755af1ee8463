// Jacobian patterns of real pose graphs (g2o files in ../shared/data), for
// the factorisation benchmark and the supernodal tests. Each edge is d rows
// with one dense d×d block per endpoint (d = 3 for EDGE_SE2, 6 for
// EDGE_SE3:QUAT); the lowest vertex id is held constant and has no columns.
// Values: per edge s·[−(I + 0.1N₁), I + 0.1N₂], N standard normal, s uniform
// in [1, 10], so A = JᵀJ is positive definite for a connected graph.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "normal_pattern.h"

namespace pose_graphs {

struct PoseGraphPattern {
  std::string name;
  int d = 0;
  int m = 0;
  int n = 0;
  std::vector<int32_t> rows;
  std::vector<int32_t> cols;
  std::vector<int32_t> col_blocks;
  std::vector<double> values;  // one element's J, aligned with rows/cols

  ariadne::PatternInput Input() const {
    ariadne::PatternInput in;
    in.m = m;
    in.n = n;
    in.rows = rows.data();
    in.cols = cols.data();
    in.nnz = static_cast<int64_t>(rows.size());
    in.col_blocks = col_blocks.data();
    in.num_col_blocks = static_cast<int64_t>(col_blocks.size());
    return in;
  }
};

// The directory of the shared data: $ARIADNE_SHARED_DATA, else ../shared/data
// beside the repository holding this file.
inline std::string SharedDataDirectory() {
  if (const char* env = std::getenv("ARIADNE_SHARED_DATA")) return env;
  const std::string here = __FILE__;  // <root>/native/.../pose_graph_patterns.h
  const size_t native = here.rfind("native/");
  if (native == std::string::npos) return "../shared/data";
  return (native == 0 ? std::string(".") : here.substr(0, native - 1)) + "/../shared/data";
}

// J's pattern and one element's values for `edges` between vertices whose
// column block is block(v) (−1: held constant, no columns), d×d blocks.
template <typename Block>
void EdgesToPattern(const std::vector<std::pair<int64_t, int64_t>>& edges, Block block, int blocks, int d,
                    uint64_t seed, PoseGraphPattern* out) {
  PoseGraphPattern& p = *out;
  p.d = d;
  p.n = blocks * d;
  p.col_blocks.assign(blocks, d);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> scale(1.0, 10.0);
  int row = 0;
  for (const auto& [a, b] : edges) {
    const double s = scale(rng);
    for (int end = 0; end < 2; ++end) {
      const int column_block = block(end == 0 ? a : b);
      const double sign = end == 0 ? -1.0 : 1.0;
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          const double value = sign * s * ((i == j ? 1.0 : 0.0) + 0.1 * normal(rng));
          if (column_block < 0) continue;
          p.rows.push_back(row + i);
          p.cols.push_back(column_block * d + j);
          p.values.push_back(value);
        }
      }
    }
    row += d;
  }
  p.m = row;
}

// Reads `path` (relative to the shared data directory); false when the file
// is absent or has no edges.
inline bool LoadPoseGraph(const std::string& path, uint64_t seed, PoseGraphPattern* out) {
  std::ifstream file(SharedDataDirectory() + "/" + path);
  if (!file) return false;
  std::vector<std::pair<int64_t, int64_t>> edges;
  std::map<int64_t, int> vertex;  // id -> block (after removing the lowest)
  int d = 0;
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "VERTEX_SE2" || tag == "VERTEX_SE3:QUAT") {
      int64_t id;
      in >> id;
      vertex.emplace(id, 0);
    } else if (tag == "EDGE_SE2" || tag == "EDGE_SE3:QUAT") {
      int64_t a, b;
      in >> a >> b;
      edges.emplace_back(a, b);
      vertex.emplace(a, 0);
      vertex.emplace(b, 0);
      d = tag == "EDGE_SE2" ? 3 : 6;
    }
  }
  if (edges.empty() || vertex.size() < 2) return false;
  const int64_t fixed = vertex.begin()->first;
  int blocks = 0;
  for (auto& [id, block] : vertex) block = id == fixed ? -1 : blocks++;

  *out = PoseGraphPattern();
  const size_t slash = path.find_last_of('/');
  out->name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  EdgesToPattern(
      edges, [&](int64_t v) { return vertex[v]; }, blocks, d, seed, out);
  return true;
}

// A synthetic pose graph: the nodes of a k×k×k lattice (k×k when `planar`),
// each linked to its lattice neighbours, with d×d blocks (the pattern of a
// 3D grid SLAM problem, whose separators make large dense supernodes).
inline void MakeGridGraph(int k, bool planar, int d, uint64_t seed, PoseGraphPattern* out) {
  const int depth = planar ? 1 : k;
  auto id = [&](int x, int y, int z) { return (z * k + y) * k + x; };
  std::vector<std::pair<int64_t, int64_t>> edges;
  for (int z = 0; z < depth; ++z) {
    for (int y = 0; y < k; ++y) {
      for (int x = 0; x < k; ++x) {
        if (x + 1 < k) edges.emplace_back(id(x, y, z), id(x + 1, y, z));
        if (y + 1 < k) edges.emplace_back(id(x, y, z), id(x, y + 1, z));
        if (z + 1 < depth) edges.emplace_back(id(x, y, z), id(x, y, z + 1));
      }
    }
  }
  *out = PoseGraphPattern();
  out->name = std::string(planar ? "grid2d-" : "grid3d-") + std::to_string(k);
  const int blocks = k * k * depth - 1;  // vertex 0 is held constant
  EdgesToPattern(
      edges, [](int64_t v) { return static_cast<int>(v) - 1; }, blocks, d, seed, out);
}

// The GPU benchmark's synthetic SE3 graph, the edges of lib/io/synthetic.ts'
// gridWorld in the same order: nx×ny×nz poses numbered along a serpentine
// path (x fastest, reversing on every row and every layer, so that
// consecutive poses are grid neighbours), odometry between consecutive
// poses, then, pose by pose along the path, a loop closure to its +x, +y and
// +z neighbours unless they are consecutive on the path; pose 0 is held
// constant (its first pose is gridWorld's fixed one).
inline std::vector<std::pair<int64_t, int64_t>> SerpentineGridEdges(int nx, int ny, int nz) {
  struct Pose {
    int x, y, z;
  };
  std::vector<Pose> path;  // poses in path order
  std::vector<int64_t> index(static_cast<size_t>(nx) * ny * nz);
  auto at = [&](int x, int y, int z) -> int64_t& { return index[(static_cast<size_t>(z) * ny + y) * nx + x]; };
  for (int z = 0; z < nz; ++z) {
    for (int step = 0; step < ny; ++step) {
      const int y = z % 2 == 0 ? step : ny - 1 - step;
      const bool forward = (z * ny + step) % 2 == 0;
      for (int i = 0; i < nx; ++i) {
        const int x = forward ? i : nx - 1 - i;
        at(x, y, z) = static_cast<int64_t>(path.size());
        path.push_back({x, y, z});
      }
    }
  }
  std::vector<std::pair<int64_t, int64_t>> edges;
  for (size_t v = 0; v + 1 < path.size(); ++v) edges.emplace_back(v, v + 1);
  for (size_t i = 0; i < path.size(); ++i) {
    const auto [x, y, z] = path[i];
    for (const int64_t j :
         {x + 1 < nx ? at(x + 1, y, z) : -1, y + 1 < ny ? at(x, y + 1, z) : -1, z + 1 < nz ? at(x, y, z + 1) : -1}) {
      const int64_t a = static_cast<int64_t>(i);
      if (j >= 0 && std::abs(a - j) != 1) edges.emplace_back(std::min(a, j), std::max(a, j));
    }
  }
  return edges;
}

inline void MakeSerpentineGrid(int nx, int ny, int nz, uint64_t seed, PoseGraphPattern* out) {
  *out = PoseGraphPattern();
  out->name = "se3-grid-" + std::to_string(nx) + "x" + std::to_string(ny) + "x" + std::to_string(nz);
  EdgesToPattern(
      SerpentineGridEdges(nx, ny, nz), [](int64_t v) { return static_cast<int>(v) - 1; }, nx * ny * nz - 1, 6, seed,
      out);
}

// A g2o file under the shared data directory, or "grid3d-K" / "grid2d-K"
// (MakeGridGraph with d = 6 / 3).
inline bool LoadPattern(const std::string& name, uint64_t seed, PoseGraphPattern* out) {
  for (const char* prefix : {"grid3d-", "grid2d-"}) {
    if (name.rfind(prefix, 0) == 0) {
      const bool planar = prefix[4] == '2';
      MakeGridGraph(std::atoi(name.c_str() + 7), planar, planar ? 3 : 6, seed, out);
      return true;
    }
  }
  return LoadPoseGraph(name, seed, out);
}

}  // namespace pose_graphs
