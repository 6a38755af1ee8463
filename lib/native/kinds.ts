/**
 * The linear solver's kinds and devices, one table each: what
 * `options.kind` and `options.backend` accept. The native addons keep the
 * same kinds in one table of their own (native/core/solver_kind.h), which
 * `buildInfo().kinds` reports; a test compares the two. Adding a kind is
 * one entry here, one there, and the class that implements it.
 */

/** A kind of factorisation: 'dense' (LLᵀ of the n×n matrix) or 'sparse' (supernodal Cholesky). */
export type SolverKind = 'dense' | 'sparse';

/** Every kind, in the native table's order. */
export const SOLVER_KINDS: readonly SolverKind[] = ['dense', 'sparse'];

/** A kind, or 'auto': dense or sparse by n and the pattern (never by the batch size). */
export type NormalEquationsKind = 'auto' | SolverKind;

/** What options.kind accepts. */
export const KIND_REQUESTS: readonly NormalEquationsKind[] = ['auto', ...SOLVER_KINDS];

/**
 * Where the batched linear algebra runs: 'cpu' (the CPU addon), 'cuda' (the
 * CUDA addon on device 0; throws where it is unavailable, naming why), or
 * 'auto': CUDA when its addon loads and a device exists, else the CPU.
 */
export type Backend = 'auto' | 'cpu' | 'cuda';

/** What options.backend accepts. */
export const BACKENDS: readonly Backend[] = ['auto', 'cpu', 'cuda'];
