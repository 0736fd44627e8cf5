package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// Every message the UI passes to lang.L as a literal has a Vietnamese
// translation, so no screen falls back to English in Vietnamese.
func TestEveryMessageHasVietnamese(t *testing.T) {
	b, err := os.ReadFile("../assets/translations/vi.json")
	if err != nil {
		t.Fatal(err)
	}
	var vi map[string]string
	if err := json.Unmarshal(b, &vi); err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`lang\.L\(("(?:[^"\\]|\\.)*")`)
	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("*/*.go")
	checked := 0
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			key, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", f, m[1], err)
			}
			checked++
			if vi[key] == "" {
				t.Errorf("%s: no Vietnamese for %q", f, key)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d messages found: is the pattern still right?", checked)
	}
}
