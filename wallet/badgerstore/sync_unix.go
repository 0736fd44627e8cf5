//go:build !windows

package badgerstore

func isUnsupportedSync(error) bool { return false }
