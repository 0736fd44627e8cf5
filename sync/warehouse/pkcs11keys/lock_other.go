//go:build !unix

package pkcs11keys

import "errors"

// lockFile: this OS has no flock, so keys cannot be generated safely from
// several processes. Generate them beforehand (or on a Unix host).
func lockFile(string) (func() error, error) {
	return nil, errors.New("pkcs11keys: no cross-process lock on this OS: generate keys on a Unix host")
}
