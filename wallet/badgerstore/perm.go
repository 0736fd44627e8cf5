package badgerstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// File modes of a profile: the owner alone may read it.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// Private files.
//
// The store writes its own files (header, header.new, header.lock) 0600,
// and badger creates its folder 0700 and its MANIFEST and KEYREGISTRY
// 0600; but badger v4 has no option for the mode of the other files it
// creates, and opens its tables, memtables, value logs, DISCARD and LOCK
// with mode 0666 (os.OpenFile in ristretto's z.OpenMmapFile and in
// badger's dir_unix.go), so they come out 0644 under the usual umask.
// Setting a umask would change every file the whole process creates, and
// badger creates tables with O_EXCL, so they cannot be made in advance.
// So the protection is two-fold:
//
//   - The profile folder and its db folder are 0700 before badger creates
//     anything in them (Create chmods a folder that already existed):
//     nobody but the owner can reach a file inside, whatever its own mode.
//   - restrictFiles sets every file of the profile to 0600 after badger
//     opens (which also repairs profiles made by earlier versions), after
//     every write transaction (badger creates memtable and value-log files
//     on the write path), and after Close (whose flush writes the last
//     tables). Only a table written by badger's background flush or
//     compaction can still be 0644 while the store is open, inside the
//     0700 folder, until the next write or Close.
//
// So once a store is closed every file of its profile is 0600, which
// holds even if the folder is later copied elsewhere with its modes or
// loosened by hand (TestFileModes). On Windows mode bits mean nothing
// (os.Chmod only toggles the read-only attribute); the files inherit the
// ACL of the app's per-user folder, and restrictFiles does nothing.

// restrictFiles makes dir and every folder under it 0700 and every
// regular file 0600. Symbolic links are left alone (badger makes none),
// and a file removed meanwhile (compaction deletes tables) is skipped.
func restrictFiles(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		want := fileMode
		switch {
		case d.IsDir():
			want = dirMode
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.Mode().Perm() == want {
			return nil
		}
		if err := os.Chmod(path, want); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return ignoreUnsupported(err)
		}
		return nil
	})
}

// restrictDir makes dir itself 0700 (see restrictFiles).
func restrictDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return ignoreUnsupported(os.Chmod(dir, dirMode))
}

// chmodFile makes an open file 0600 (see restrictFiles).
func chmodFile(f *os.File) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	return ignoreUnsupported(f.Chmod(fileMode))
}

// ignoreUnsupported drops the error of a system without file modes at all
// (wasip1 answers ENOSYS): there is nothing to restrict.
func ignoreUnsupported(err error) error {
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}
