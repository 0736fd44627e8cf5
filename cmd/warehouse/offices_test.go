package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
)

// The demo's offices are listed after serve; `offices set` replaces the
// directory (from a file or stdin) and `offices list` shows it back; a
// bad directory and a non-operator token are refused, changing nothing.
func TestOfficesCommand(t *testing.T) {
	dir := t.TempDir()
	admin, _ := startServe(t, dir, 5, 1)
	code, stdout, stderr := runCLI(t, admin, "", "offices", "list")
	if code != 0 || !strings.Contains(stdout, "UBND phường Trấn Biên") || !strings.Contains(stdout, "vn.dongnai.ca.tri-an") {
		t.Fatalf("offices list: %d %s %s", code, stdout, stderr)
	}
	var listed []trust.Office
	code, stdout, _ = runCLI(t, admin, "", "offices", "list", "-json")
	if code != 0 || json.Unmarshal([]byte(stdout), &listed) != nil || !reflect.DeepEqual(listed, demo.Province{}.Offices()) {
		t.Fatalf("offices list -json: %d %.300s", code, stdout)
	}

	mine := []trust.Office{
		{ID: "vn.dongnai.ubnd.tran-bien", Name: trust.Name{VI: "UBND phường Trấn Biên", EN: "Tran Bien Ward People's Committee"}, Kind: trust.KindCommune},
		{ID: "vn.dongnai.school.mau", Name: trust.Name{VI: "Trường Tiểu học Mẫu (mẫu)"}, Kind: trust.KindSchool},
	}
	b, _ := json.MarshalIndent(mine, "", "  ")
	file := filepath.Join(t.TempDir(), "offices.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr = runCLI(t, admin, "", "offices", "set", file); code != 0 || !strings.Contains(stdout, "2 ") {
		t.Fatalf("offices set: %d %s %s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, admin, "", "offices", "list", "-json")
	listed = nil
	if code != 0 || json.Unmarshal([]byte(stdout), &listed) != nil || !reflect.DeepEqual(listed, mine) {
		t.Fatalf("after set: %d %s", code, stdout)
	}
	if code, stdout, _ = runCLI(t, admin, "", "offices", "list"); !strings.Contains(stdout, "Trường Tiểu học Mẫu (mẫu)") || !strings.Contains(stdout, "2 ") {
		t.Errorf("offices list after set: %d %s", code, stdout)
	}

	// Refusals: exit 5 with the server's reason; nothing changes.
	agencyToken, err := readToken(filepath.Join(dir, AgencyTokensDir, "vn.dongnai.soyte"))
	if err != nil || agencyToken == "" {
		t.Fatalf("agency token: %q %v", agencyToken, err)
	}
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		msg         string
	}{
		{"unknown kind", `[{"id":"vn.x","name":{"vi":"X"},"kind":"bank"}]`, []string{"offices", "set", "-"}, 5, `unknown kind "bank"`},
		{"duplicate id", `[{"id":"vn.x","name":{"vi":"X"},"kind":"school"},{"id":"vn.x","name":{"vi":"Y"},"kind":"school"}]`, []string{"offices", "set", "-"}, 5, "listed twice"},
		{"unknown field", `[{"id":"vn.x","name":{"vi":"X"},"kind":"school","web":"x"}]`, []string{"offices", "set", "-"}, 5, `unknown field "web"`},
		{"not a list", `{"id":"vn.x"}`, []string{"offices", "set", "-"}, 5, "not a list of offices"},
		{"agency staff", string(b), []string{"offices", "set", "-token", agencyToken, "-"}, 5, "may not do this"},
		{"no such file", "", []string{"offices", "set", filepath.Join(dir, "nothing.json")}, 5, "nothing.json"},
		{"no subcommand", "", []string{"offices"}, 2, "usage"},
		{"unknown subcommand", "", []string{"offices", "add"}, 2, "usage"},
		{"set without a file", "", []string{"offices", "set"}, 2, "expects 1 argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, admin, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("%v: exit %d %s; want %d saying %q", tc.args, code, stderr, tc.code, tc.msg)
			}
		})
	}
	code, stdout, _ = runCLI(t, admin, "", "offices", "list", "-json")
	listed = nil
	if code != 0 || json.Unmarshal([]byte(stdout), &listed) != nil || !reflect.DeepEqual(listed, mine) {
		t.Errorf("after the refusals: %d %s", code, stdout)
	}
}
