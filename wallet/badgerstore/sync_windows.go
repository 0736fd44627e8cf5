//go:build windows

package badgerstore

// Windows cannot fsync a directory handle; NTFS journals the rename itself.
func isUnsupportedSync(error) bool { return true }
