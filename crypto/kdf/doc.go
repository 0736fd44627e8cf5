// Package kdf owns the password-based key derivation of the wallet:
// Argon2id (RFC 9106, golang.org/x/crypto/argon2) with a 32-byte output,
// its production parameters (Default), a cheap test-only setting (Test)
// and the bounds every parameter set read from disk must satisfy
// (Params.Validate).
//
// # Guarantees
//
//   - Derive validates its parameters before doing any work, so a profile
//     header whose parameters were edited cannot make the wallet allocate
//     more than MaxMemoryKiB (1 GiB) nor write more than MaxCostKiB (4 GiB)
//     of memory in total.
//   - Derive never panics; bad input gives an error wrapping
//     ErrInvalidParams (for parameters) or naming the problem.
//   - Default meets and exceeds the minimums of OWASP's Password Storage
//     Cheat Sheet for Argon2id; see Default for the reasoning and the
//     measured cost.
//
// This package imports nothing of the wallet's own.
package kdf
