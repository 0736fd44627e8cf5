package badgerstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// headerLockFile sits beside the header and is never renamed or removed:
// the header itself cannot carry the lock, because writeHeader replaces it
// by a rename, and a process that opened the new file would not see a lock
// held on the old one. (On Windows a locked byte range also cannot be read
// through other handles, so locking the header would block readers.)
const headerLockFile = "header.lock"

// processLocks holds one mutex per profile directory (absolute path):
// flock excludes the separate open file descriptions of one process on a
// local file system, but where it is emulated with per-process POSIX locks
// (NFS), and on the platforms without any file lock (lock_other.go), the
// goroutines of one process must still take turns.
var processLocks sync.Map // string → *sync.Mutex

// withHeaderLock runs fn holding the profile's header lock: exclusive
// across the goroutines of this process and across processes. Every
// read-modify-write of the header (the PIN throttle, a PIN change, the
// header written by Create) runs under it, so N attempts at once are
// counted N times, in turn, instead of each reading the same count.
// A second caller waits; the lock is held only for one attempt (one
// Argon2id derivation and a header write), never while a store is open,
// so waiting is short. The operating system drops the lock of a process
// that dies holding it.
func withHeaderLock(dir string, fn func() error) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("lock profile header: %w", err)
	}
	m, _ := processLocks.LoadOrStore(abs, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(filepath.Join(abs, headerLockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("lock profile header: %w", err)
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return fmt.Errorf("lock profile header: %w", err)
	}
	defer unlockFile(f) // before Close: Windows may release a closed handle's locks late
	return fn()
}
