/**
 * The linear solver's kinds and devices, one table each: what
 * `options.kind` and `options.backend` accept. The native addons keep the
 * same kinds in one table of their own (native/core/solver_kind.h), which
 * `buildInfo().kinds` reports; a test compares the two. Adding a kind is
 * one entry here, one there, and the class that implements it.
 */

/** The kinds of factorisation: 'dense' (LLᵀ of the n×n matrix) and 'sparse' (supernodal Cholesky), in the native table's order. */
export const SOLVER_KINDS = ['dense', 'sparse'] as const;

/** A kind of factorisation (see {@link SOLVER_KINDS}). */
export type SolverKind = (typeof SOLVER_KINDS)[number];

/** A kind, or 'auto': dense or sparse by n and the pattern (never by the batch size). */
export type NormalEquationsKind = 'auto' | SolverKind;

/** What options.kind accepts. */
export const KIND_REQUESTS: readonly NormalEquationsKind[] = ['auto', ...SOLVER_KINDS];

/**
 * Where the batched linear algebra runs: 'cpu' (the CPU addon), 'cuda' (the
 * CUDA addon on device 0; throws where it is unavailable, naming why), or
 * 'auto': CUDA when its addon loads and a device exists, else the CPU.
 */
export const BACKENDS = ['auto', 'cpu', 'cuda'] as const;

/** A device choice (see {@link BACKENDS}). */
export type Backend = (typeof BACKENDS)[number];
