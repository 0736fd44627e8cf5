package badgerstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vnwallet/citizenwallet/crypto/vault"
	"github.com/vnwallet/citizenwallet/wallet"
)

// File names inside a profile directory.
const (
	headerFile = "header"     // the vault header: the only file outside badger
	headerTemp = "header.new" // written, synced, then renamed over headerFile
	dbDir      = "db"         // the badger database
)

// maxHeaderRead bounds how much of a header file is read: a valid one is
// vault.HeaderLen bytes; anything longer is damage, which ParseHeader
// reports from the extra byte.
const maxHeaderRead = 4 << 10

// readHeader reads and parses dir's header. A missing file is
// wallet.ErrNotFound; a damaged key part is wallet.ErrCorruptHeader.
func readHeader(dir string) (*vault.Header, error) {
	f, err := os.Open(filepath.Join(dir, headerFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoProfile(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read profile header: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxHeaderRead))
	if err != nil {
		return nil, fmt.Errorf("read profile header: %w", err)
	}
	h, err := vault.ParseHeader(b)
	if err != nil {
		// vault's message says what is wrong; the wallet sentinel lets the
		// app say it in Vietnamese.
		return nil, fmt.Errorf("%w: %v", wallet.ErrCorruptHeader, err)
	}
	return h, nil
}

func errNoProfile(dir string) error {
	return fmt.Errorf("no profile in %s: %w", dir, wallet.ErrNotFound)
}

// writeHeader replaces dir's header atomically and durably: write to a
// temporary file, fsync it, rename it over the old one, fsync the
// directory. A crash at any point leaves either the old or the new header.
// The caller holds the header lock (withHeaderLock): writers share the
// temporary file's name, so two at once could rename a file the other
// is still writing.
func writeHeader(dir string, h *vault.Header) error {
	b, err := h.MarshalBinary()
	if err != nil {
		return fmt.Errorf("write profile header: %w", err)
	}
	if err := writeFileAtomic(dir, headerTemp, headerFile, b); err != nil {
		return fmt.Errorf("write profile header: %w", err)
	}
	return nil
}

// writeFileAtomic replaces dir/name with b: written to dir/temp, synced,
// renamed over name, and the rename synced. The file is 0600 (also when
// a temp file left by a crash had another mode: OpenFile's mode applies
// only to a file it creates).
func writeFileAtomic(dir, temp, name string, b []byte) error {
	tmp := filepath.Join(dir, temp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return err
	}
	err = chmodFile(f)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing (and NTFS journals renames), so the error is ignored there.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupportedSync(err) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
