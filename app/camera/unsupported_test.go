//go:build !(linux || windows) || android || !cgo || ci

package camera

import (
	"errors"
	"testing"
)

// A build without camera support says so, as "no camera" too.
func TestUnsupported(t *testing.T) {
	if Supported {
		t.Fatal("Supported in a build without cameras")
	}
	if _, err := Devices(); !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrNoCamera) {
		t.Errorf("Devices: %v", err)
	}
	if _, err := Open(""); !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrNoCamera) {
		t.Errorf("Open: %v", err)
	}
}
