//go:build aix

package badgerstore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// AIX has no flock; a POSIX record lock excludes other processes (badger
// uses one too, dir_aix.go), and the in-process mutex of withHeaderLock
// the goroutines of this one. Such a lock is dropped when the process
// closes any descriptor of the file; under the mutex only one is open.
func lockFile(f *os.File) error { return fcntlLock(f, unix.F_WRLCK) }

func unlockFile(f *os.File) error { return fcntlLock(f, unix.F_UNLCK) }

func fcntlLock(f *os.File, typ int16) error {
	lk := unix.Flock_t{Type: typ} // whole file, from offset 0
	for {
		err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
