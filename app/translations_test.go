package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every message the UI passes to lang.L as a literal has a Vietnamese
// translation, so no screen falls back to English in Vietnamese; and
// every translation still has its message.
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
	var all strings.Builder
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(src)
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
	// And no translation is left over from a message that is gone (a
	// message passed through a table is a literal there too).
	for key := range vi {
		if key != "lang.code" && !strings.Contains(all.String(), strconv.Quote(key)) {
			t.Errorf("vi.json: %q is not used any more", key)
		}
	}
}
