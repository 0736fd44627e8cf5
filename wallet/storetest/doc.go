// Package storetest is the conformance suite every wallet.Store
// implementation runs (Run with a Factory), over the sample citizens and
// records of wallet/sample.
//
// The suite checks the contract of wallet.Store, not an implementation's
// files: every record type round-trips and survives a reopen; the
// versioning rules (supersede, replay, stale, withdraw, history); queries
// against Query.Match and the documented order; atomic batches; meta
// values; ErrLocked after Close; wrong and changed PINs; ErrNotFound and
// ErrInvalid; concurrent use; cancelled contexts. What only one
// implementation can show (bytes on disk, crashes) stays in its own tests.
package storetest
