// Package camera reads consent QR codes from a webcam at the one-stop
// counter: a live preview, and the text of each QR code the citizen's
// phone shows, once each, as a keyboard-wedge scanner would type it.
//
// # Use
//
//	src, err := camera.Open("") // or a Device.ID from camera.Devices()
//	if err != nil { … }         // errors.Is(err, camera.ErrNoCamera), ErrBusy, ErrNoPermission
//	defer src.Close()
//	err = camera.Scan(ctx, src, camera.Options{Progress: p}, onText, onFrame)
//	// returns when ctx is cancelled (ctx.Err()) or the camera fails
//	// (errors.Is(err, camera.ErrDisconnected): unplugged)
//
// onText receives each distinct QR text, and is where the counter takes
// a scan exactly as it takes one typed by a handheld scanner; onFrame
// receives frames for the preview (15 a second by default); Progress
// receives Stats (frames seen, codes read, parts found, frames skipped,
// and at the end why the scan stopped). All three are called from Scan's
// goroutine: the UI hands what they get over inside fyne.Do.
//
// # Cycling codes
//
// A token too big for one QR code is shown by the phone as 1–3 (up to
// 16) parts that it changes by itself every few seconds. The camera sees
// each part in many consecutive frames, then the next, then the first
// again. Scan reports a text the first time it reads it and not again
// while it is among the last Options.Remember texts it saw (by default
// twice the most parts a token may have), so each part of a token comes
// out once, in the order first read; crypto/qrtext's Assembler puts them
// together in any order. Frames that do not read (the screen changing,
// motion blur, a reflection) are simply passed over. Scanner.Forget is
// for a "scan again" button.
//
// # Frames and pace
//
// Scan takes one frame, decodes it (qrtext.ReadImage, after scaling it
// down to Options.MaxPixels and to grey), takes the next. A camera
// source (see Live) keeps only the newest frame its camera delivered, so
// when decoding is slower than the camera frames are skipped (counted in
// Stats.Skipped), never queued: memory stays at one frame waiting and
// the preview never lags behind. A 640 × 480 frame decodes in about 5–7
// ms with a code in it and 4 ms without, a 1280 × 720 one in about 14–20
// ms (BenchmarkScanFrame, one core of a busy 2-core AMD EPYC), so a
// camera of 30 frames a second is about kept up with and the preview
// runs near its pace.
//
// Sources other than a camera: Images and Generator play frames (tests),
// Demo shows a token's parts in turn as a phone does (a demonstration
// mode; wrap it in Paced for a camera's pace).
//
// # Cameras, platforms and the build
//
// Cameras are reached through github.com/pion/mediadevices v0.9.4 (the
// newest on the module proxy; DESIGN.md's choice), only its driver
// packages (pkg/driver/camera: V4L2 on Linux, DirectShow on Windows), not
// its WebRTC half. Both drivers use cgo:
//
//   - Linux: cgo with <linux/videodev2.h>, which Debian's linux-libc-dev
//     has (installed with gcc/build-essential); no other -dev package.
//     The V4L2 calls themselves are github.com/blackjack/webcam, pure Go.
//   - Windows: cgo with a C++ compiler and MinGW-w64's DirectShow
//     libraries (strmiids, ole32, quartz); cross-built from Debian with
//     g++-mingw-w64-x86-64-posix (CC=x86_64-w64-mingw32-gcc-posix
//     CXX=x86_64-w64-mingw32-g++-posix CGO_ENABLED=1 GOOS=windows).
//     The driver being C++, a program linked as usual needs MinGW's
//     libstdc++-6.dll, libgcc_s_seh-1.dll and libwinpthread-1.dll beside
//     it; link_windows.go links with -static, so it needs only
//     Windows' own DLLs (kernel32, msvcrt, ole32, quartz).
//
// The camera code (camera_mediadevices.go) builds only for
// (linux || windows) && !android && cgo && !ci; every other build
// (-tags ci, CGO_ENABLED=0, macOS, Android) gets unsupported.go, whose
// Devices and Open fail with ErrUnsupported (which matches ErrNoCamera
// too) and whose Supported constant is false, so the counter can hide the
// camera button. Everything else in the package is pure Go and is tested
// with -tags ci on machines without a camera.
//
// What has really been run: on Linux (Debian 12, amd64, in a container
// with no /dev/video*), the camera build and its tests: listing finds no
// camera and Open fails with ErrNoCamera at once, and a fake driver
// registered in mediadevices' registry runs Open's path (format choice,
// streaming, copying frames out of the driver's buffer, unplugging,
// busy, refused). No real webcam has been opened yet. For Windows the
// package and its test program were cross-compiled, linked and vetted,
// not run (Debian 12's Wine 8.0 cannot start programs of Go 1.26, which
// need bcryptprimitives.dll).
//
// mediadevices' camera package looks for cameras when the program
// starts (an init function opening each /dev/video* briefly on Linux);
// Devices and Open look again, so a camera plugged in later is found.
package camera
