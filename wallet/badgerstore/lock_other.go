//go:build plan9 || js || wasip1

package badgerstore

import "os"

// No file lock here (badger itself has none on js and wasip1): the
// in-process mutex of withHeaderLock is the only exclusion, which covers
// the single process these platforms run. The app ships to none of them.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
