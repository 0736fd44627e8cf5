//go:build !windows && !plan9 && !js && !wasip1 && !aix

package badgerstore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive flock on f, waiting for it. flock (not
// fcntl) because its locks belong to the open file description, so they
// also exclude other descriptors of the same process; badger uses flock
// for its directory lock on the same platforms (its dir_unix.go).
func lockFile(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func unlockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
