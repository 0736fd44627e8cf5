package qrtext

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A second, independent reader: Debian's zbarimg (package zbar-tools)
// reads numeric parts of several sizes from PNG files back to the exact
// digits (numeric mode has no character set to convert, unlike byte
// mode), the way another scanner would. Without zbarimg the test skips,
// except in CI (CI set), where .ci/run installs it.
func TestZbarReadsNumeric(t *testing.T) {
	t.Parallel()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("zbarimg is missing (apt-get install zbar-tools): %v", err)
		}
		t.Skip("zbarimg is missing (apt-get install zbar-tools)")
	}
	dir := t.TempDir()
	tok, _ := token(t, 3, 4)
	files := 0
	read := func(p string, level byte) string {
		t.Helper()
		img, err := Render(p, level, 4)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		files++
		name := filepath.Join(dir, fmt.Sprintf("part-%02d.png", files))
		if err := os.WriteFile(name, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--quiet", "--raw", name).Output()
		if err != nil {
			t.Fatalf("zbarimg, %d digits: %v", len(p), err)
		}
		// --raw prints the text and a newline, nothing else.
		got := strings.TrimSuffix(string(out), "\n")
		if got != p {
			t.Errorf("zbarimg read %d digits as %d characters %.40q…, want the exact text", len(p), len(got), got)
		}
		return got
	}
	for _, c := range []struct {
		version int
		level   byte
	}{{5, 'M'}, {10, 'M'}, {25, 'M'}, {32, 'Q'}, {40, 'L'}} {
		parts, err := Encode(tok, Options{Version: c.version, Level: c.level, MaxParts: 99})
		if err != nil {
			t.Fatal(err)
		}
		if c.version == 25 {
			// Every part, and the token from what zbarimg read.
			var texts []string
			for _, p := range parts {
				texts = append(texts, read(p, c.level))
			}
			if got, err := Decode(texts, Limits{}); err != nil || got != tok {
				t.Errorf("the token from zbarimg's reads: %v", err)
			}
			continue
		}
		// A full part and the last one.
		read(parts[0], c.level)
		read(parts[len(parts)-1], c.level)
	}
}
