// Jacobian patterns of real pose graphs (g2o files in ../shared/data), for
// the factorisation benchmark and the supernodal tests. Each edge is d rows
// with one dense d×d block per endpoint (d = 3 for EDGE_SE2, 6 for
// EDGE_SE3:QUAT); the lowest vertex id is held constant and has no columns.
// Values: per edge s·[−(I + 0.1N₁), I + 0.1N₂], N standard normal, s uniform
// in [1, 10], so A = JᵀJ is positive definite for a connected graph.
#pragma once

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

  PoseGraphPattern& p = *out;
  p = PoseGraphPattern();
  const size_t slash = path.find_last_of('/');
  p.name = path.substr(slash == std::string::npos ? 0 : slash + 1);
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
      const int block = vertex[end == 0 ? a : b];
      const double sign = end == 0 ? -1.0 : 1.0;
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          const double value = sign * s * ((i == j ? 1.0 : 0.0) + 0.1 * normal(rng));
          if (block < 0) continue;
          p.rows.push_back(row + i);
          p.cols.push_back(block * d + j);
          p.values.push_back(value);
        }
      }
    }
    row += d;
  }
  p.m = row;
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
  PoseGraphPattern& p = *out;
  p = PoseGraphPattern();
  p.name = std::string(planar ? "grid2d-" : "grid3d-") + std::to_string(k);
  p.d = d;
  const int blocks = k * k * depth - 1;  // vertex 0 is held constant
  p.n = blocks * d;
  p.col_blocks.assign(blocks, d);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> scale(1.0, 10.0);
  int row = 0;
  for (const auto& [a, b] : edges) {
    const double s = scale(rng);
    for (int end = 0; end < 2; ++end) {
      const int block = static_cast<int>(end == 0 ? a : b) - 1;
      const double sign = end == 0 ? -1.0 : 1.0;
      for (int i = 0; i < d; ++i) {
        for (int j = 0; j < d; ++j) {
          const double value = sign * s * ((i == j ? 1.0 : 0.0) + 0.1 * normal(rng));
          if (block < 0) continue;
          p.rows.push_back(row + i);
          p.cols.push_back(block * d + j);
          p.values.push_back(value);
        }
      }
    }
    row += d;
  }
  p.m = row;
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
