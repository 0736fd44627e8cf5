//go:build !(linux || windows) || android || !cgo || ci

package camera

import "fmt"

// Supported reports whether this build can use cameras. It cannot: it is
// built for a platform other than Linux or Windows, without cgo, or with
// the ci tag.
const Supported = false

// Devices lists the cameras connected; this build has none (ErrUnsupported).
func Devices() ([]Device, error) {
	return nil, fmt.Errorf("camera: listing cameras: %w: %w", ErrNoCamera, ErrUnsupported)
}

// Open opens the camera named id (as Devices gives it; "" for the system's
// default); this build has none (ErrUnsupported).
func Open(id string) (Source, error) {
	return nil, fmt.Errorf("camera: opening %q: %w: %w", id, ErrNoCamera, ErrUnsupported)
}
