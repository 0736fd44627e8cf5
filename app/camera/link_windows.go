//go:build windows && cgo && !ci

package camera

// mediadevices' DirectShow driver is C++: link MinGW's C++ and GCC
// runtimes into the program, so it needs no libstdc++-6.dll,
// libgcc_s_seh-1.dll nor (with the posix thread model) libwinpthread-1.dll
// beside it on the counter's PC: only Windows' own DLLs.

// #cgo LDFLAGS: -static
import "C"
