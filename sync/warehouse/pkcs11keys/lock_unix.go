//go:build unix

package pkcs11keys

import (
	"fmt"
	"syscall"
)

// lockFile takes an exclusive flock on path, waiting for it, and returns
// the function that releases it. The lock belongs to the open file, so it
// also excludes other Stores of this process, and the kernel drops it if
// the process dies.
func lockFile(path string) (unlock func() error, err error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() error {
		// Closing the file releases the lock.
		if err := f.Close(); err != nil {
			return fmt.Errorf("unlock %s: %w", path, err)
		}
		return nil
	}, nil
}
